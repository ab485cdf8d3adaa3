package org.sparkmec.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Models as graphs: {@code inputs}, {@code add}, {@code concat}, {@code batchnorm}, {@code globalavgpool} and
 * {@code padding = same} in model files and the builder; every graph mistake named with file and line; the writer's
 * round trip.
 */
class ModelGraphTest {
    /** Lines before the first layer: layer k (1-based) is on line {@code HEADER + k}. */
    private static final int HEADER = 4;

    private static String model(String... layers) {
        List<String> lines = new ArrayList<>(List.of("name = g", "input { height = 9, width = 9, channels = 2 }",
                "loss = softmax-cross-entropy", "layers = ["));
        lines.addAll(List.of(layers));
        lines.add("]");
        return String.join("\n", lines) + "\n";
    }

    private static final String RESIDUAL = model(
            "{ type = conv2d, name = c0, filters = 4, kernel = 3, padding = same }",
            "{ type = relu, name = r0 }",
            "{ type = conv2d, name = c1, filters = 4, kernel = 3, padding = same, bias = false }",
            "{ type = batchnorm, name = b1, momentum = 0.2, epsilon = 0.001 }",
            "{ type = add, name = sum, inputs = [b1, r0] }",
            "{ type = relu, name = out }",
            "{ type = conv2d, name = down, filters = 6, kernel = 3, stride = 2, padding = same }",
            "{ type = maxpool2d, name = pool, kernel = 2, padding = same }",
            "{ type = globalavgpool, name = gap }",
            "{ type = dense, name = fc, units = 3 }");

    @Test
    void readsAResidualBlockWithItsShapes() {
        ModelSpec spec = ModelFile.parse(RESIDUAL, "residual.conf");
        assertEquals(List.of("9x9x4", "9x9x4", "9x9x4", "9x9x4", "9x9x4", "9x9x4", "5x5x6", "3x3x6", "6", "3"),
                spec.shapes().stream().map(ActivationShape::toString).toList());
        assertEquals(List.of("b1", "r0"), spec.inputs().get(4));
        assertEquals(List.of("input"), spec.inputs().get(0));
        assertArrayEquals(new int[] {3, 1}, spec.inputIndices(4));
        assertEquals(new BatchNormSpec("b1", 0.2, 0.001), spec.layers().get(3));
        assertEquals(List.of(ActivationShape.spatial(9, 9, 4), ActivationShape.spatial(9, 9, 4)), spec.inputShapes(4));
    }

    @Test
    void theWriterRoundTripsGraphsSamePaddingAndBatchNorm() {
        ModelSpec spec = ModelFile.parse(RESIDUAL, "residual.conf");
        String written = ModelSpecWriter.toHocon(spec);
        assertEquals(spec, ModelFile.parse(written, "written.conf"));
        assertEquals(1, written.split("inputs = ", -1).length - 1, "only the add layer names its inputs:\n" + written);
    }

    @Test
    void theBuilderMakesTheSameGraph() {
        ModelSpec built = ModelSpec.builder("g").input(9, 9, 2)
                .conv2d("c0", 4, 3, c -> c.paddingSame()).relu("r0")
                .conv2d("c1", 4, 3, c -> c.paddingSame().bias(false)).batchNorm("b1", 0.2, 0.001)
                .add("sum", "b1", "r0").relu("out")
                .conv2d("down", 6, 3, c -> c.stride(2).paddingSame())
                .maxPool2d("pool", 2, p -> p.paddingSame())
                .globalAvgPool("gap").dense("fc", 3)
                .build();
        assertEquals(ModelFile.parse(RESIDUAL, "residual.conf"), built);
    }

    /** An Inception-style block (Szegedy et al. 2015): 1x1, 1x1 then 3x3, and pooling branches joined by channels. */
    private static final String INCEPTION = model(
            "{ type = conv2d, name = stem, filters = 4, kernel = 3, padding = same }",
            "{ type = relu, name = stem_relu }",
            "{ type = conv2d, name = b1, filters = 2, kernel = 1 }",
            "{ type = conv2d, name = b3_reduce, inputs = stem_relu, filters = 2, kernel = 1 }",
            "{ type = conv2d, name = b3, filters = 3, kernel = 3, padding = same }",
            "{ type = maxpool2d, name = pool, inputs = stem_relu, kernel = 3, stride = 1, padding = same }",
            "{ type = conv2d, name = pool_proj, filters = 1, kernel = 1 }",
            "{ type = concat, name = mixed, inputs = [b1, b3, pool_proj] }",
            "{ type = relu, name = mixed_relu }",
            "{ type = globalavgpool, name = gap }",
            "{ type = dense, name = fc, units = 3 }");

    @Test
    void readsAnInceptionBlockWithItsShapes() {
        ModelSpec spec = ModelFile.parse(INCEPTION, "inception.conf");
        assertEquals(List.of("9x9x4", "9x9x4", "9x9x2", "9x9x2", "9x9x3", "9x9x4", "9x9x1", "9x9x6", "9x9x6", "6", "3"),
                spec.shapes().stream().map(ActivationShape::toString).toList());
        assertEquals(new ConcatSpec("mixed"), spec.layers().get(7));
        assertEquals(List.of("b1", "b3", "pool_proj"), spec.inputs().get(7));
        assertArrayEquals(new int[] {2, 4, 6}, spec.inputIndices(7));
        assertEquals(spec, ModelFile.parse(ModelSpecWriter.toHocon(spec), "written.conf"));
    }

    @Test
    void theBuilderMakesTheSameInceptionBlock() {
        ModelSpec built = ModelSpec.builder("g").input(9, 9, 2)
                .conv2d("stem", 4, 3, c -> c.paddingSame()).relu("stem_relu")
                .conv2d("b1", 2, 1)
                .conv2d("b3_reduce", 2, 1).inputs("stem_relu").conv2d("b3", 3, 3, c -> c.paddingSame())
                .maxPool2d("pool", 3, p -> p.stride(1).paddingSame()).inputs("stem_relu").conv2d("pool_proj", 1, 1)
                .concat("mixed", "b1", "b3", "pool_proj").relu("mixed_relu")
                .globalAvgPool("gap").dense("fc", 3)
                .build();
        assertEquals(ModelFile.parse(INCEPTION, "inception.conf"), built);
    }

    @Test
    void theBuilderNamesAnUnnamedConcatAndChecksItsInputs() {
        ModelSpec spec = ModelSpec.builder("g").input(9, 9, 2).relu("a").relu("b").inputs("input")
                .concat(null, "a", "b").globalAvgPool().dense(2).build();
        assertEquals("concat3", spec.layers().get(2).name());
        assertEquals(ActivationShape.spatial(9, 9, 4), spec.shapes().get(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("g")
                .input(9, 9, 2).conv2d("a", 3, 3).concat("cat", "a", "input").globalAvgPool().dense(2).build());
        assertEquals("layer cat: concat needs inputs of one height and width (it joins their channels), got 7x7x3"
                + " (input 1) and 9x9x2 (input 2); inputs = [a, input] with shapes [7x7x3, 9x9x2]", e.getMessage());
    }

    @Test
    void flatInputsConcatenateTheirFeatures() {
        ModelSpec spec = ModelFile.parse(model(
                "{ type = conv2d, name = c, filters = 5, kernel = 3 }",
                "{ type = globalavgpool, name = g1 }",
                "{ type = globalavgpool, name = g2, inputs = input }",
                "{ type = concat, name = both, inputs = [g1, g2] }",
                "{ type = dense, name = fc, units = 2 }"), "flat.conf");
        assertEquals(ActivationShape.flat(7), spec.shapes().get(3));
    }

    @Test
    void layersMayBeListedBeforeTheirInputs() {
        ModelSpec spec = ModelFile.parse(model(
                "{ type = relu, name = late, inputs = early }",
                "{ type = relu, name = early, inputs = input }",
                "{ type = globalavgpool, name = g, inputs = late }",
                "{ type = dense, name = fc, units = 2 }"), "order.conf");
        assertArrayEquals(new int[] {1, 0, 2, 3}, spec.order());
        assertEquals(spec, ModelFile.parse(ModelSpecWriter.toHocon(spec), "written.conf"));
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("an unknown input, with a suggestion", model(
                        "{ type = conv2d, name = conv1, filters = 2, kernel = 3 }",
                        "{ type = add, name = sum, inputs = [conv1, conv2] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 2,
                        "layer sum: input 'conv2' is not a layer of this model (did you mean 'conv1'?)"),
                Arguments.of("a cycle", model(
                        "{ type = relu, name = a, inputs = c }",
                        "{ type = relu, name = b }",
                        "{ type = relu, name = c }",
                        "{ type = globalavgpool, name = g, inputs = c }", "{ type = dense, units = 2 }"), 1,
                        "layer a: inputs form a cycle: a reads c, c reads b, b reads a"),
                Arguments.of("a layer reading itself", model(
                        "{ type = relu, name = a, inputs = [a] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer a reads itself (inputs form a cycle)"),
                Arguments.of("add with one input (the default)", model(
                        "{ type = relu, name = a }",
                        "{ type = add, name = sum }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 2,
                        "layer sum: add takes at least 2 inputs, got 1; name them with inputs = [a, b]"),
                Arguments.of("add of two shapes", model(
                        "{ type = conv2d, name = a, filters = 3, kernel = 3 }",
                        "{ type = conv2d, name = b, inputs = input, filters = 3, kernel = 3, padding = 1 }",
                        "{ type = add, name = sum, inputs = [a, b] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 3,
                        "layer sum: add needs inputs of one shape, got 7x7x3 (input 1) and 9x9x3 (input 2); inputs = "
                                + "[a, b] with shapes [7x7x3, 9x9x3]"),
                Arguments.of("concat with one input (the default)", model(
                        "{ type = relu, name = a }",
                        "{ type = concat, name = cat }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 2,
                        "layer cat: concat takes at least 2 inputs, got 1; name them with inputs = [a, b]"),
                Arguments.of("concat of two heights and widths", model(
                        "{ type = conv2d, name = a, filters = 3, kernel = 3 }",
                        "{ type = conv2d, name = b, inputs = input, filters = 2, kernel = 1 }",
                        "{ type = concat, name = cat, inputs = [a, b] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 3,
                        "layer cat: concat needs inputs of one height and width (it joins their channels), got 7x7x3"
                                + " (input 1) and 9x9x2 (input 2); inputs = [a, b] with shapes [7x7x3, 9x9x2]"),
                Arguments.of("concat of a flat and an NHWC input", model(
                        "{ type = flatten, name = f }",
                        "{ type = concat, name = cat, inputs = [f, input] }",
                        "{ type = dense, units = 2 }"), 2,
                        "layer cat: concat needs inputs that are all NHWC or all flat, got flat 162 (input 1) and"
                                + " NHWC 9x9x2 (input 2)"),
                Arguments.of("two inputs to a one-input layer", model(
                        "{ type = relu, name = a }",
                        "{ type = relu, name = b, inputs = [a, input] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 2,
                        "layer b: relu takes one input, got 2"),
                Arguments.of("an unread layer", model(
                        "{ type = relu, name = a }",
                        "{ type = relu, name = b }",
                        "{ type = globalavgpool, inputs = a }", "{ type = dense, units = 2 }"), 2,
                        "layer b: its output is read by no layer; only the last layer (the logits) may be unread"),
                Arguments.of("a layer named input", model(
                        "{ type = relu, name = input }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer input: the name 'input' stands for the model's input in inputs; choose another"),
                Arguments.of("inputs of the wrong type", model(
                        "{ type = relu, name = a, inputs = [] }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer a: inputs must be a layer name or a non-empty list of them, got list []"),
                Arguments.of("same padding with an even kernel at stride 1", model(
                        "{ type = conv2d, name = c, filters = 2, kernel = 2, padding = same }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer c: same padding for kernel 2 at stride 1 needs 1 rows or columns of padding, an odd"
                                + " number"),
                Arguments.of("a padding word other than same", model(
                        "{ type = conv2d, name = c, filters = 2, kernel = 3, padding = valid }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer c: padding must be an integer or a list [height, width] of two integers (or same), got"
                                + " string \"valid\""),
                Arguments.of("globalavgpool on a flat input", model(
                        "{ type = flatten, name = f }",
                        "{ type = globalavgpool, name = g }", "{ type = dense, units = 2 }"), 2,
                        "layer g: globalavgpool needs an NHWC input (height x width x channels), got a flat input of"
                                + " 162 features"),
                Arguments.of("a batchnorm momentum out of range", model(
                        "{ type = batchnorm, name = bn, momentum = 1.5 }",
                        "{ type = globalavgpool }", "{ type = dense, units = 2 }"), 1,
                        "layer bn: momentum must be in (0, 1] (the weight of the newest batch in the running"
                                + " statistics), got 1.5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void namesEachGraphMistakeWithFileAndLine(String what, String text, int layer, String message) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.parse(text, "bad.conf"));
        assertEquals("bad.conf:" + (HEADER + layer) + ": " + message,
                e.getMessage().substring(0, Math.min(e.getMessage().length(), ("bad.conf:" + (HEADER + layer) + ": "
                        + message).length())));
    }
}
