package org.sparkmec.engine.model;

import static org.sparkmec.engine.model.ModelKeys.ALGORITHM;
import static org.sparkmec.engine.model.ModelKeys.BIAS;
import static org.sparkmec.engine.model.ModelKeys.FILTERS;
import static org.sparkmec.engine.model.ModelKeys.EPSILON;
import static org.sparkmec.engine.model.ModelKeys.INIT;
import static org.sparkmec.engine.model.ModelKeys.INPUTS;
import static org.sparkmec.engine.model.ModelKeys.KERNEL;
import static org.sparkmec.engine.model.ModelKeys.NAME;
import static org.sparkmec.engine.model.ModelKeys.MOMENTUM;
import static org.sparkmec.engine.model.ModelKeys.PADDING;
import static org.sparkmec.engine.model.ModelKeys.RATE;
import static org.sparkmec.engine.model.ModelKeys.STRIDE;
import static org.sparkmec.engine.model.ModelKeys.TYPE;
import static org.sparkmec.engine.model.ModelKeys.UNITS;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The layer types: their name in model files ({@code type = conv2d}), the prefix of generated layer names, and
 * the keys a layer of the type accepts ({@code inputs}, naming the layers it reads, is common to all). */
public enum LayerType {
    CONV2D("conv2d", "conv", TYPE, NAME, INPUTS, FILTERS, KERNEL, STRIDE, PADDING, ALGORITHM, BIAS, INIT),
    RELU("relu", "relu", TYPE, NAME, INPUTS),
    MAXPOOL2D("maxpool2d", "maxpool", TYPE, NAME, INPUTS, KERNEL, STRIDE, PADDING),
    AVGPOOL2D("avgpool2d", "avgpool", TYPE, NAME, INPUTS, KERNEL, STRIDE, PADDING),
    FLATTEN("flatten", "flatten", TYPE, NAME, INPUTS),
    DENSE("dense", "dense", TYPE, NAME, INPUTS, UNITS, BIAS, INIT),
    DROPOUT("dropout", "dropout", TYPE, NAME, INPUTS, RATE),
    BATCHNORM("batchnorm", "bn", TYPE, NAME, INPUTS, MOMENTUM, EPSILON),
    ADD("add", "add", TYPE, NAME, INPUTS),
    CONCAT("concat", "concat", TYPE, NAME, INPUTS),
    GLOBALAVGPOOL("globalavgpool", "gap", TYPE, NAME, INPUTS);

    private final String configName;
    private final String namePrefix;
    private final List<String> fields;

    LayerType(String configName, String namePrefix, String... fields) {
        this.configName = configName;
        this.namePrefix = namePrefix;
        this.fields = List.of(fields);
    }

    /** The type with this model-file name (exact, lower case), if any. */
    public static Optional<LayerType> fromConfigName(String name) {
        return Arrays.stream(values()).filter(t -> t.configName.equals(name)).findFirst();
    }

    /** The model-file names of all types, comma-separated, in declaration order. */
    public static String allConfigNames() {
        return Arrays.stream(values()).map(LayerType::configName).collect(Collectors.joining(", "));
    }

    /** The name after {@code type =} in a model file, e.g. {@code maxpool2d}. */
    public String configName() {
        return configName;
    }

    /**
     * The generated name of an unnamed layer at 1-based position {@code position} in the model:
     * {@code <prefix><position>}, e.g. {@code conv1}, {@code relu2}, {@code maxpool3}.
     */
    public String generatedName(int position) {
        return namePrefix + position;
    }

    /** The keys a layer of this type accepts in a model file, {@code type} and {@code name} first. */
    public List<String> fields() {
        return fields;
    }
}
