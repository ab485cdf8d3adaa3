package org.sparkmec.engine.model;

import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.WeightInit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading model files: the shipped files with their shapes, and every kind of mistake reported with file, line,
 * layer, field and arithmetic.
 */
class ModelFileTest {
    /** Surefire runs in the module folder {@code engine/}. */
    static final Path MODELS = Path.of("..", "conf", "models");
    static final Path LENET = MODELS.resolve("lenet.conf");
    static final Path VGG_SMALL = MODELS.resolve("vgg-small.conf");

    /** Lines before the first layer in {@link #modelFile}: layer k (1-based) is on line {@code HEADER + k}. */
    private static final int HEADER = 4;

    @TempDir
    Path dir;

    private static List<String> shapeNames(ModelSpec spec) {
        return spec.shapes().stream().map(ActivationShape::toString).toList();
    }

    @Test
    void readsTheShippedLeNet() {
        ModelSpec lenet = ModelFile.read(LENET);
        assertEquals("lenet", lenet.name());
        assertEquals(new InputSpec(28, 28, 1), lenet.input());
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, lenet.loss());
        assertEquals(List.of("conv1", "relu2", "maxpool3", "conv2", "relu5", "maxpool6", "flatten7", "fc1", "relu9",
                "fc2", "relu11", "fc3"), lenet.layers().stream().map(LayerSpec::name).toList());
        assertEquals(List.of("28x28x6", "28x28x6", "14x14x6", "10x10x16", "10x10x16", "5x5x16", "400", "120", "120",
                "84", "84", "10"), shapeNames(lenet));
        assertEquals(10, lenet.classes());
        Conv2dSpec conv1 = (Conv2dSpec) lenet.layers().get(0);
        assertEquals(new Conv2dSpec("conv1", 6, 5, 5, 1, 1, 2, 2, ConvAlgorithmChoice.AUTO, true, WeightInit.HE),
                conv1);
        assertEquals(new MaxPool2dSpec("maxpool3", 2, 2, 2, 2, 0, 0), lenet.layers().get(2),
                "pool stride defaults to the kernel");
    }

    @Test
    void readsTheShippedSmallVgg() {
        ModelSpec vgg = ModelFile.read(VGG_SMALL);
        assertEquals(new InputSpec(32, 32, 3), vgg.input());
        List<ActivationShape> shapes = vgg.shapes();
        List<String> expected = new ArrayList<>();
        int size = 32;
        for (int filters : new int[] {32, 64, 128}) {
            for (int conv = 0; conv < 2; conv++) {
                expected.add(size + "x" + size + "x" + filters); // 3x3 pad 1 keeps the size
                expected.add(size + "x" + size + "x" + filters); // relu
            }
            size /= 2;
            expected.add(size + "x" + size + "x" + filters); // max pool 2
        }
        expected.addAll(List.of("2048", "256", "256", "256", "10"));
        assertEquals(expected, shapes.stream().map(ActivationShape::toString).toList());
        assertEquals(new DropoutSpec("drop_fc1", 0.5), vgg.layers().get(18));
        assertEquals(10, vgg.classes());
    }

    @Test
    void parseReadsTextWithTheGivenSourceName() {
        ModelSpec spec = ModelFile.parse(String.join("\n", modelLines(List.of(
                "{ type = flatten }", "{ type = dense, units = 3, bias = false, init = xavier }"))), "inline.conf");
        assertEquals(new DenseSpec("dense2", 3, false, WeightInit.XAVIER), spec.layers().get(1));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.parse(
                String.join("\n", modelLines(List.of("{ type = relu }"))), "inline.conf"));
        assertMessage(e, "inline.conf:5:", "layer relu1", "the last layer must be dense");
    }

    /** One mistake in the layer list: where it is reported and what the message must say. */
    record LayerCase(String title, List<String> layers, int layerLine, List<String> fragments) {
        @Override
        public String toString() {
            return title;
        }
    }

    private static LayerCase layerCase(String title, List<String> layers, int layerLine, String... fragments) {
        return new LayerCase(title, layers, layerLine, List.of(fragments));
    }

    static Stream<LayerCase> layerMistakes() {
        String conv1 = "{ type = conv2d, name = conv1, filters = 3, kernel = 5 }"; // 8x8 -> 4x4x3
        String tail = "{ type = flatten }";
        String logits = "{ type = dense, units = 10 }";
        return Stream.of(
                layerCase("kernel larger than input", List.of(conv1,
                        "{ type = conv2d, name = conv2, filters = 4, kernel = 5 }", tail, logits), 2,
                        "layer conv2: kernel 5x5 larger than input 4x4 (padding 0)", "k <= i + 2p"),
                layerCase("kernel larger than padded input", List.of(conv1, "{ type = maxpool2d, kernel = 2 }",
                        "{ type = conv2d, name = conv3, filters = 4, kernel = [5, 3], padding = 1 }", tail, logits), 3,
                        "layer conv3: kernel 5x3 larger than input 2x2 (padding 1, padded 4x4)"),
                layerCase("pool window larger than input", List.of(conv1, "{ type = avgpool2d, kernel = 6 }", tail,
                        logits), 2, "layer avgpool2: kernel 6x6 larger than input 4x4 (padding 0)"),
                layerCase("unknown layer type", List.of("{ type = conv, filters = 3, kernel = 3 }", tail, logits), 1,
                        "layer #1: unknown layer type 'conv' (did you mean 'conv2d'?)",
                        "known types: conv2d, relu, maxpool2d, avgpool2d, flatten, dense, dropout"),
                layerCase("unknown field, a typo", List.of("{ type = conv2d, name = conv1, filter = 6, kernel = 3 }",
                        tail, logits), 1, "layer conv1 (conv2d): unknown field 'filter' (did you mean 'filters'?)",
                        "allowed fields: type, name, inputs, filters, kernel, stride, padding, algorithm, bias, init"),
                layerCase("field of another layer type", List.of(tail, "{ type = dense, units = 10, rate = 0.5 }"),
                        2, "layer dense2 (dense): unknown field 'rate'", "allowed fields: type, name, inputs, units, bias, init"),
                layerCase("missing type", List.of("{ name = c1, filters = 3 }", tail, logits), 1,
                        "layer c1: missing required field 'type'", "conv2d, relu"),
                layerCase("missing filters", List.of("{ type = conv2d, kernel = 3 }", tail, logits), 1,
                        "layer conv1: missing required field 'filters'"),
                layerCase("missing kernel", List.of("{ type = maxpool2d }", tail, logits), 1,
                        "layer maxpool1: missing required field 'kernel'"),
                layerCase("missing units", List.of(tail, "{ type = dense, name = out }"), 2,
                        "layer out: missing required field 'units'"),
                layerCase("missing rate", List.of(tail, "{ type = dropout }", logits), 2,
                        "layer dropout2: missing required field 'rate'"),
                layerCase("filters as a word", List.of("{ type = conv2d, filters = \"six\", kernel = 3 }", tail,
                        logits), 1, "layer conv1: filters must be an integer, got string \"six\""),
                layerCase("filters as a quoted number", List.of("{ type = conv2d, filters = \"6\", kernel = 3 }", tail,
                        logits), 1, "layer conv1: filters must be an integer, got string \"6\""),
                layerCase("filters as a fraction", List.of("{ type = conv2d, filters = 6.5, kernel = 3 }", tail,
                        logits), 1, "layer conv1: filters must be an integer, got number 6.5"),
                layerCase("filters beyond int", List.of("{ type = conv2d, filters = 10000000000, kernel = 3 }", tail,
                        logits), 1, "layer conv1: filters = 10000000000 is out of the integer range"),
                layerCase("kernel of three values", List.of("{ type = conv2d, filters = 6, kernel = [5, 5, 5] }",
                        tail, logits), 1, "layer conv1: kernel must be an integer or a list [height, width] of two"
                        + " integers, got list [5,5,5]"),
                layerCase("stride list element a string", List.of("{ type = conv2d, filters = 6, kernel = 3,"
                        + " stride = [1, x] }", tail, logits), 1, "layer conv1: stride[1] (width) must be an integer"),
                layerCase("bias as yes", List.of(tail, "{ type = dense, units = 10, bias = yes }"), 2,
                        "layer dense2: bias must be true or false, got string \"yes\""),
                layerCase("rate as a word", List.of(tail, "{ type = dropout, rate = half }", logits), 2,
                        "layer dropout2: rate must be a number, got string \"half\""),
                layerCase("unknown algorithm", List.of("{ type = conv2d, filters = 2, kernel = 3, algorithm = fft }",
                        tail, logits), 1, "layer conv1: unknown convolution algorithm 'fft'; expected one of"
                        + " mec|im2col|auto"),
                layerCase("unknown init", List.of(tail, "{ type = dense, units = 10, init = zeros }"), 2,
                        "layer dense2: unknown weight init 'zeros'; expected one of he|xavier"),
                layerCase("layer name a number", List.of("{ type = relu, name = 7 }", tail, logits), 1,
                        "layer #1: name must be a string, got number 7"),
                layerCase("layer name with a blank", List.of("{ type = relu, name = \"my relu\" }", tail, logits), 1,
                        "layer name 'my relu' is not valid"),
                layerCase("layer not an object", List.of("relu", tail, logits), 1,
                        "layer #1: expected an object such as { type = relu }, got string \"relu\""),
                layerCase("zero filters", List.of("{ type = conv2d, filters = 0, kernel = 3 }", tail, logits), 1,
                        "layer conv1: filters must be at least 1, got 0"),
                layerCase("zero kernel height", List.of("{ type = conv2d, filters = 2, kernel = [0, 3] }", tail,
                        logits), 1, "layer conv1: kernel must be at least 1 in each direction, got 0x3"),
                layerCase("zero stride", List.of("{ type = maxpool2d, kernel = 2, stride = 0 }", tail, logits), 1,
                        "layer maxpool1: stride must be at least 1 in each direction, got 0"),
                layerCase("negative padding", List.of("{ type = conv2d, filters = 2, kernel = 3, padding = [0, -1] }",
                        tail, logits), 1, "layer conv1: padding must be at least 0 in each direction, got 0x-1"),
                layerCase("pool padding over half the kernel", List.of("{ type = maxpool2d, kernel = 3, padding = 2 }",
                        tail, logits), 1, "layer maxpool1: padding 2 is more than half the kernel 3x3"),
                layerCase("zero units", List.of(tail, "{ type = dense, units = 0 }"), 2,
                        "layer dense2: units must be at least 1, got 0"),
                layerCase("dropout rate 1", List.of(tail, "{ type = dropout, rate = 1 }", logits), 2,
                        "layer dropout2: rate must be in [0, 1)", "got 1.0"),
                layerCase("negative dropout rate", List.of(tail, "{ type = dropout, rate = -0.25 }", logits), 2,
                        "layer dropout2: rate must be in [0, 1)", "got -0.25"),
                layerCase("dense on an image", List.of(conv1, "{ type = dense, name = fc1, units = 10 }"), 2,
                        "layer fc1: dense needs a flat input, got 4x4x3; add a flatten layer before it (it would give"
                        + " 48 features)"),
                layerCase("flatten twice", List.of(tail, "{ type = flatten, name = again }", logits), 2,
                        "layer again: input is already flat (64 features)"),
                layerCase("convolution after flatten", List.of(tail, "{ type = conv2d, filters = 2, kernel = 1 }",
                        logits), 2, "layer conv2: conv2d needs an NHWC input", "got a flat input of 64 features"),
                layerCase("last layer not dense", List.of(tail, logits, "{ type = relu }"), 3,
                        "layer relu3: the last layer must be dense", "softmax-cross-entropy", "got relu with output 10"),
                layerCase("dropout after the logits", List.of(tail, logits, "{ type = dropout, rate = 0.1 }"), 3,
                        "layer dropout3: the last layer must be dense"),
                layerCase("one class", List.of(tail, "{ type = dense, name = out, units = 1 }"), 2,
                        "layer out: softmax-cross-entropy needs at least 2 classes, got units 1"),
                layerCase("duplicate names", List.of("{ type = relu, name = act }", tail,
                        "{ type = dense, name = act, units = 10 }"), 3,
                        "layer act: duplicate layer name: layers #1 and #3 are both named act"),
                layerCase("explicit name equal to a generated one", List.of("{ type = relu }", tail,
                        "{ type = dense, name = relu1, units = 10 }"), 3,
                        "layers #1 and #3 are both named relu1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layerMistakes")
    void reportsLayerMistakesWithFileLineLayerAndRule(LayerCase c) throws IOException {
        Path file = write("bad.conf", modelLines(c.layers()));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file));
        int line = HEADER + c.layerLine();
        assertMessage(e, "bad.conf:" + line + ": ");
        assertMessage(e, c.fragments().toArray(String[]::new));
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(file.toString(), e.source());
    }

    @Test
    void reportsTheLineOfTheFieldInAMultiLineLayer() throws IOException {
        Path file = write("multi.conf", modelLines(List.of(
                "{",
                "  type = conv2d",
                "  name = conv1",
                "  filters = 4",
                "  kernel = 3",
                "  filter = 6",
                "}",
                "{ type = flatten }",
                "{ type = dense, units = 10 }")));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file));
        assertMessage(e, "multi.conf:" + (HEADER + 6) + ": layer conv1 (conv2d): unknown field 'filter'");

        Path big = write("big.conf", modelLines(List.of(
                "{ type = conv2d, name = conv1, filters = 4, kernel = 3 }",
                "{",
                "  type = conv2d",
                "  name = conv2",
                "  filters = 4",
                "  kernel = 7",
                "}",
                "{ type = flatten }",
                "{ type = dense, units = 10 }")));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(big));
        assertMessage(e, "big.conf:" + (HEADER + 6) + ": layer conv2: kernel 7x7 larger than input 6x6 (padding 0)");
    }

    @Test
    void reportsModelLevelMistakes() throws IOException {
        assertFileError("seed.conf", List.of("seed = 42", "name = m", "input { height = 4, width = 4, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 1,
                "model: the seed is not part of the model; set it in the training configuration");
        assertFileError("typo.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }",
                "layer = [ { type = flatten }, { type = dense, units = 2 } ]"), 3,
                "model: unknown field 'layer' (did you mean 'layers'?); allowed fields: name, input, loss, layers");
        assertFileError("noinput.conf", List.of("# no input", "name = m",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 1,
                "model: missing required field 'input'");
        assertFileError("nolayers.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }"), 1,
                "model: missing required field 'layers'");
        assertFileError("empty.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }",
                "layers = []"), 3, "model m has no layers");
        assertFileError("noname.conf", List.of("input { height = 4, width = 4, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 1,
                "model: missing required field 'name'");
        assertFileError("badname.conf", List.of("name = \"my model\"", "input { height = 4, width = 4, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 1, "model name 'my model' is not valid");
        assertFileError("loss.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }",
                "loss = mse", "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 3,
                "model: unknown loss 'mse'; expected one of softmax-cross-entropy");
        assertFileError("input.conf", List.of("name = m", "input {", "  height = 4", "  width = 0", "  channels = 1",
                "}", "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 4,
                "input: width must be at least 1, got 0");
        assertFileError("inputkey.conf", List.of("name = m", "input { height = 4, width = 4, depth = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 2,
                "input: unknown field 'depth'; allowed fields: height, width, channels");
        assertFileError("inputlist.conf", List.of("name = m", "input = [4, 4, 1]",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"), 2,
                "model: input must be an object { ... }, got list [4,4,1]");
        assertFileError("layersobj.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }",
                "layers { type = dense }"), 3, "model: layers must be a list");
    }

    @Test
    void wrapsHoconSyntaxErrorsWithFileAndLine() throws IOException {
        Path file = write("syntax.conf", List.of("name = m", "input { height = 4, width = 4, channels = 1 }",
                "layers = [", "  { type = flatten }", "  { type = dense, units = 2 ", "]"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file));
        assertMessage(e, file + ":", "HOCON syntax error: ");
        assertTrue(e.line() >= 5, "reported at or after the unclosed brace: " + e.getMessage());
        assertMessage(e, "syntax.conf:" + e.line() + ": HOCON syntax error");
        assertTrue(e.getCause() instanceof com.typesafe.config.ConfigException.Parse, "keeps Typesafe's exception");

        Path unresolved = write("subst.conf", List.of("name = m", "input { height = 4, width = ${w}, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(unresolved));
        assertMessage(e, "subst.conf:2: HOCON substitution error: ", "${w}");
    }

    @Test
    void resolvesSubstitutionsWithinTheFile() throws IOException {
        Path file = write("subst.conf", List.of("size = 4", "name = m",
                "input { height = ${size}, width = ${size}, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file));
        assertMessage(e, "subst.conf:1: model: unknown field 'size'");

        Path ok = write("ok.conf", List.of("name = m", "input { height = 4, width = ${input.height}, channels = 1 }",
                "layers = [ { type = flatten }, { type = dense, units = 2 } ]"));
        assertEquals(new InputSpec(4, 4, 1), ModelFile.read(ok).input());
    }

    @Test
    void missingFileNamesThePath() {
        Path missing = dir.resolve("nowhere").resolve("absent.conf");
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(missing));
        assertMessage(e, missing.toString(), "model file not found");
        assertEquals(-1, e.line());
        ModelFileException folder = assertThrows(ModelFileException.class, () -> ModelFile.read(dir));
        assertMessage(folder, dir.toString(), "no regular file");
    }

    @Test
    void rectangularFieldsAndExplicitDefaultsAreRead() throws IOException {
        Path file = write("rect.conf", modelLines(List.of(
                "{ type = conv2d, filters = 2, kernel = [3, 1], stride = [2, 1], padding = [1, 0], algorithm = mec,"
                        + " bias = false, init = xavier }",
                "{ type = avgpool2d, kernel = [2, 1], padding = [1, 0] }",
                "{ type = maxpool2d, kernel = 2, stride = 1 }",
                "{ type = flatten }",
                "{ type = dense, units = 10 }")));
        ModelSpec spec = ModelFile.read(file);
        assertEquals(new Conv2dSpec("conv1", 2, 3, 1, 2, 1, 1, 0, ConvAlgorithmChoice.MEC, false, WeightInit.XAVIER),
                spec.layers().get(0));
        assertEquals(new AvgPool2dSpec("avgpool2", 2, 1, 2, 1, 1, 0), spec.layers().get(1));
        // conv: o_h = (8 + 2 - 3) / 2 + 1 = 4, o_w = (8 - 1) / 1 + 1 = 8; avgpool: (4 + 2 - 2) / 2 + 1 = 3, 8;
        // maxpool 2 stride 1: 2x7
        assertEquals(List.of("4x8x2", "3x8x2", "2x7x2", "28", "10"), shapeNames(spec));
    }

    private void assertFileError(String name, List<String> lines, int line, String fragment) throws IOException {
        Path file = write(name, lines);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file), name);
        assertMessage(e, name + ":" + line + ": " + fragment);
        assertEquals(line, e.line(), e.getMessage());
    }

    /** A model file on an 8x8x1 input whose layer k (1-based) starts on line {@code HEADER + k}. */
    private static List<String> modelLines(List<String> layers) {
        List<String> lines = new ArrayList<>(List.of(
                "# test model",
                "name = test",
                "input { height = 8, width = 8, channels = 1 }",
                "layers = ["));
        assertEquals(HEADER, lines.size());
        lines.addAll(layers);
        lines.add("]");
        return lines;
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    static void assertMessage(Exception e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }
}
