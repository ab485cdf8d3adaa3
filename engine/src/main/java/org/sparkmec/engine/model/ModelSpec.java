package org.sparkmec.engine.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated model declaration: input shape, layers, the layers each layer reads, loss. A pure description: turning it into layers
 * with parameters is another package's job. Made by {@link ModelFile} from a model file, by
 * {@link #builder(String)}, or directly; all three pass through this constructor's checks.
 *
 * <p>The layers form a directed acyclic graph: each layer reads the outputs of the layers named in its
 * {@link #inputs()} ({@code input}: the model's input); a layer that names none reads the previous layer in the
 * list (the first: the model's input), so a list without inputs is a sequential network. The list may name a
 * layer before its inputs; the network runs them in {@link #order()}.
 *
 * <p>Rules: at least one layer; unique layer names, none called {@code input}; inputs name layers of the model,
 * without cycles; every layer but the last is read by some layer; every layer accepts its input shapes
 * ({@link LayerSpec#outputShape(List)}; {@code add} takes two or more of one shape, {@code concat} two or more of
 * one height and width, the others exactly one); the
 * last layer is dense, its units are the classes (at least 2) whose logits the softmax-cross-entropy loss takes.
 *
 * @param name   model name: a letter followed by letters, digits, '_' or '-'
 * @param input  shape of one input sample, NHWC
 * @param layers the layers in list order (copied)
 * @param loss   the training loss
 * @param inputs per layer in list order the names of the layers it reads, resolved: given as an empty list (all
 *               defaults) or one list per layer, an empty one meaning the default
 */
public record ModelSpec(String name, InputSpec input, List<LayerSpec> layers, Loss loss, List<List<String>> inputs) {

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
        checkNames(layers);
        ModelGraph graph = ModelGraph.of(layers, inputs == null ? List.of() : inputs);
        inputs = graph.inputs();
        inferShapes(input, layers, graph, loss);
    }

    /** A sequential model: every layer reads the previous one. */
    public ModelSpec(String name, InputSpec input, List<LayerSpec> layers, Loss loss) {
        this(name, input, layers, loss, List.of());
    }

    /** A fluent builder; see {@link ModelSpecBuilder}. */
    public static ModelSpecBuilder builder(String name) {
        return new ModelSpecBuilder(name);
    }

    /** The output shape of each layer, in list order (index i is the output of {@code layers().get(i)}). */
    public List<ActivationShape> shapes() {
        return inferShapes(input, layers, ModelGraph.of(layers, inputs), loss);
    }

    /** The list positions of the layers, each after its inputs (the list order wherever it allows). */
    public int[] order() {
        return ModelGraph.of(layers, inputs).order();
    }

    /** The list positions of the layers that layer {@code i} reads, in input order; -1 stands for the input. */
    public int[] inputIndices(int i) {
        return ModelGraph.of(layers, inputs).inputIndices(i);
    }

    /** The input shapes of layer {@code i} (list position), in input order. */
    public List<ActivationShape> inputShapes(int i) {
        List<ActivationShape> shapes = shapes();
        List<ActivationShape> in = new ArrayList<>();
        for (int k : inputIndices(i)) {
            in.add(k < 0 ? input.shape() : shapes.get(k));
        }
        return in;
    }

    /** Whether layer {@code i} reads what it reads by default (the previous layer, or the input for the first). */
    public boolean readsDefault(int i) {
        return inputs.get(i).equals(List.of(i == 0 ? ModelKeys.MODEL_INPUT : layers.get(i - 1).name()));
    }

    /** The number of classes: the units of the last (dense) layer. */
    public int classes() {
        return ((DenseSpec) layers.get(layers.size() - 1)).units();
    }

    /** This model as a model file (HOCON), every field written out; {@link ModelFile#parse} reads it back equal. */
    public String toHocon() {
        return ModelSpecWriter.toHocon(this);
    }

    private static void checkNames(List<LayerSpec> layers) {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            String layerName = layers.get(i).name();
            Integer first = positions.putIfAbsent(layerName, i);
            if (first != null) {
                throw new SpecViolation(i, ModelKeys.NAME, "layer " + layerName + ": duplicate layer name: layers #"
                        + (first + 1) + " and #" + (i + 1) + " are both named " + layerName);
            }
        }
    }

    /** The output shapes in list order, computed in the graph's order; then the checks of the last layer. */
    private static List<ActivationShape> inferShapes(InputSpec input, List<LayerSpec> layers, ModelGraph graph,
                                                     Loss loss) {
        ActivationShape[] shapes = new ActivationShape[layers.size()];
        for (int i : graph.order()) {
            List<ActivationShape> in = new ArrayList<>();
            for (int k : graph.inputIndices(i)) {
                in.add(k < 0 ? input.shape() : shapes[k]);
            }
            try {
                shapes[i] = layers.get(i).outputShape(in);
            } catch (SpecViolation v) {
                if (ModelKeys.INPUTS.equals(v.field())) {
                    throw new SpecViolation(i, v.field(), v.getMessage() + "; inputs = "
                            + graph.inputs().get(i) + " with shapes " + in);
                }
                throw v.atLayer(i);
            }
        }
        int last = layers.size() - 1;
        ActivationShape shape = shapes[last];
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
        return List.of(shapes);
    }
}
