package org.sparkmec.engine.model;

/** The keys of a model file, defined once for the reader, the writer and the error messages. */
final class ModelKeys {
    static final String NAME = "name";
    static final String INPUT = "input";
    static final String LAYERS = "layers";
    static final String LOSS = "loss";

    static final String HEIGHT = "height";
    static final String WIDTH = "width";
    static final String CHANNELS = "channels";

    static final String TYPE = "type";
    static final String FILTERS = "filters";
    static final String KERNEL = "kernel";
    static final String STRIDE = "stride";
    static final String PADDING = "padding";
    static final String ALGORITHM = "algorithm";
    static final String BIAS = "bias";
    static final String INIT = "init";
    static final String UNITS = "units";
    static final String RATE = "rate";
    static final String INPUTS = "inputs";
    static final String MOMENTUM = "momentum";
    static final String EPSILON = "epsilon";

    /** The value of {@code padding} that asks for same padding ({@link org.sparkmec.engine.shape.SamePadding}). */
    static final String SAME = "same";
    /** The name that stands for the model's input in {@code inputs}; no layer may take it. */
    static final String MODEL_INPUT = "input";

    private ModelKeys() {
    }
}
