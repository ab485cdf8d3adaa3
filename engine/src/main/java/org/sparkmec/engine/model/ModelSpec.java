package org.sparkmec.engine.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated model declaration: input shape, layers in order, loss. A pure description: turning it into layers
 * with parameters is another package's job. Made by {@link ModelFile} from a model file, by
 * {@link #builder(String)}, or directly; all three pass through this constructor's checks.
 *
 * <p>Rules: at least one layer; unique layer names; every layer accepts its input shape
 * ({@link LayerSpec#outputShape}); the last layer is dense, its units are the classes (at least 2) whose logits
 * the softmax-cross-entropy loss takes.
 *
 * @param name   model name: a letter followed by letters, digits, '_' or '-'
 * @param input  shape of one input sample, NHWC
 * @param layers the layers in forward order (copied)
 * @param loss   the training loss
 */
public record ModelSpec(String name, InputSpec input, List<LayerSpec> layers, Loss loss) {

    /**
     * @throws IllegalArgumentException naming the layer, the field and the rule broken
     */
    public ModelSpec {
        if (!Checks.isValidName(name)) {
            throw new SpecViolation(-1, ModelKeys.NAME, "model name " + Checks.quote(name) + " is not valid: use "
                    + Checks.NAME_RULE);
        }
        if (input == null) {
            throw new SpecViolation(-1, ModelKeys.INPUT, "model " + name + ": input shape is missing");
        }
        if (loss == null) {
            throw new SpecViolation(-1, ModelKeys.LOSS, "model " + name + ": loss is missing");
        }
        if (layers == null || layers.isEmpty()) {
            throw new SpecViolation(-1, ModelKeys.LAYERS, "model " + name
                    + " has no layers; it needs at least a final dense layer (the logits of " + loss.configName()
                    + ")");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) {
                throw new SpecViolation(i, null, "model " + name + ": layer #" + (i + 1) + " is null");
            }
        }
        layers = List.copyOf(layers);
        inferShapes(input, layers, loss);
    }

    /** A fluent builder; see {@link ModelSpecBuilder}. */
    public static ModelSpecBuilder builder(String name) {
        return new ModelSpecBuilder(name);
    }

    /** The output shape of each layer, in layer order (index i is the output of {@code layers().get(i)}). */
    public List<ActivationShape> shapes() {
        return inferShapes(input, layers, loss);
    }

    /** The number of classes: the units of the last (dense) layer. */
    public int classes() {
        return ((DenseSpec) layers.get(layers.size() - 1)).units();
    }

    /** This model as a model file (HOCON), every field written out; {@link ModelFile#parse} reads it back equal. */
    public String toHocon() {
        return ModelSpecWriter.toHocon(this);
    }

    private static List<ActivationShape> inferShapes(InputSpec input, List<LayerSpec> layers, Loss loss) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            String layerName = layers.get(i).name();
            Integer first = positions.putIfAbsent(layerName, i);
            if (first != null) {
                throw new SpecViolation(i, ModelKeys.NAME, "layer " + layerName + ": duplicate layer name: layers #"
                        + (first + 1) + " and #" + (i + 1) + " are both named " + layerName);
            }
        }
        List<ActivationShape> shapes = new ArrayList<>(layers.size());
        ActivationShape shape = input.shape();
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outputShape(shape);
            } catch (SpecViolation v) {
                throw v.atLayer(i);
            }
            shapes.add(shape);
        }
        int last = layers.size() - 1;
        LayerSpec logits = layers.get(last);
        if (!(logits instanceof DenseSpec)) {
            throw new SpecViolation(last, null, "layer " + logits.name() + ": the last layer must be dense (its units"
                    + " are the classes whose logits " + loss.configName() + " takes), got " + logits.type().configName()
                    + " with output " + shape);
        }
        int classes = ((DenseSpec) logits).units();
        if (classes < 2) {
            throw new SpecViolation(last, ModelKeys.UNITS, "layer " + logits.name() + ": " + loss.configName()
                    + " needs at least 2 classes, got units " + classes);
        }
        return List.copyOf(shapes);
    }
}
