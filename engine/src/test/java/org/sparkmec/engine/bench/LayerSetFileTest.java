package org.sparkmec.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.shape.ConvGeometry;

/** Parsing of layer-set files: the shipped paper set, and malformed files named by file, line and field. */
class LayerSetFileTest {
    /** The shipped set; Surefire runs in the module folder {@code engine/}. */
    private static final Path PAPER = Path.of("..", "conf", "layers", "cv.layers");

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    private static void assertMessageContains(Exception e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    @Test
    void parsesTheShippedPaperSet() throws IOException {
        List<BenchLayer> layers = LayerSetFile.read(PAPER).all();
        assertEquals(IntStream.rangeClosed(1, 12).mapToObj(i -> "cv" + i).toList(),
                layers.stream().map(BenchLayer::name).toList(), "cv1-cv12 in file order");
        for (BenchLayer layer : layers) {
            ConvGeometry g = layer.geometry();
            // The paper's layers (conf/layers/cv.layers): no padding, square inputs and kernels, equal strides.
            assertEquals(1, g.batch(), layer.name());
            assertEquals(g.inH(), g.inW(), layer.name());
            assertEquals(g.kH(), g.kW(), layer.name());
            assertEquals(g.strideH(), g.strideW(), layer.name());
            assertEquals(0, g.padH() + g.padW(), layer.name());
        }
        ConvGeometry cv4 = layers.get(3).geometry();
        assertEquals(109, cv4.outH(), "cv4: (224 - 7)/2 + 1 by integer division");
        assertEquals(109, cv4.outW());
        assertEquals(new ConvGeometry(32, 224, 224, 64, 7, 7, 64, 2, 2, 0, 0), layers.get(3).atBatch(32));
    }

    @Test
    void commentsBlankLinesAndTabsAreAllowed() throws IOException {
        Path file = write("ok.layers",
                "# a comment",
                "",
                "   ",
                "a\t7 9 3\t3 3 4 1 2 1 0   # trailing comment",
                "b 5 5 1 5 5 2 1 1 0 0");
        List<BenchLayer> layers = LayerSetFile.read(file).all();
        assertEquals(List.of("a", "b"), layers.stream().map(BenchLayer::name).toList());
        assertEquals(new ConvGeometry(1, 7, 9, 3, 3, 3, 4, 1, 2, 1, 0), layers.get(0).geometry());
    }

    @Test
    void wrongFieldCountIsRejectedWithFileAndLine() throws IOException {
        Path file = write("short.layers",
                "# name i_h i_w i_c k_h k_w k_c s_h s_w p_h p_w",
                "ok 7 7 1 3 3 1 1 1 0 0",
                "short 7 7 1 3 3 1 1 1 0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(file));
        assertMessageContains(e, file + ":3", "expected 11 fields", "got 10", "p_w");
        Path longer = write("long.layers", "long 7 7 1 3 3 1 1 1 0 0 9");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(longer));
        assertMessageContains(e, longer + ":1", "got 12");
    }

    @Test
    void nonIntegerFieldIsRejectedNamingTheField() throws IOException {
        Path file = write("text.layers", "ok 7 7 1 3 3 1 1 1 0 0", "bad 227 2x7 3 11 11 96 4 4 0 0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(file));
        assertMessageContains(e, file + ":2", "field i_w", "layer bad", "'2x7'");
        Path stride = write("stride.layers", "s 7 7 1 3 3 1 1.5 1 0 0");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(stride));
        assertMessageContains(e, stride + ":1", "field s_h", "'1.5'");
    }

    @Test
    void duplicateNameIsRejected() throws IOException {
        Path file = write("dup.layers", "cv1 7 7 1 3 3 1 1 1 0 0", "# again:", "cv1 9 9 1 3 3 1 1 1 0 0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(file));
        assertMessageContains(e, file + ":3", "cv1", "defined twice");
    }

    @Test
    void impossibleShapesAreRejectedWithTheGeometryRule() throws IOException {
        Path big = write("big.layers", "big 4 4 1 11 11 1 1 1 0 0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(big));
        assertMessageContains(e, big + ":1", "layer big", "kernel 11x11 larger than padded input 4x4");
        Path zero = write("zero.layers", "z 0 4 1 1 1 1 1 1 0 0");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(zero));
        assertMessageContains(e, zero + ":1", "input height i_h must be positive, got 0");
        Path stride = write("stride.layers", "s 4 4 1 1 1 1 0 1 0 0");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(stride));
        assertMessageContains(e, stride + ":1", "stride must be at least 1", "s_h=0");
    }

    @Test
    void emptyOrMissingFilesAreRejected() throws IOException {
        Path empty = write("empty.layers");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(empty));
        assertMessageContains(e, empty.toString(), "defines no layers");
        Path comments = write("comments.layers", "# only", "   # comments");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(comments));
        assertMessageContains(e, "defines no layers");
        Path missing = dir.resolve("missing.layers");
        e = assertThrows(IllegalArgumentException.class, () -> LayerSetFile.read(missing));
        assertMessageContains(e, missing.toString(), "does not exist");
    }

    @Test
    void selectReturnsLayersInTheOrderGivenAndNamesTheKnownOnes() throws IOException {
        LayerSetFile set = LayerSetFile.read(PAPER);
        assertEquals(List.of("cv12", "cv3"), set.select(List.of("cv12", " cv3")).stream().map(BenchLayer::name).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.select(List.of("cv1", "cv13")));
        assertMessageContains(e, "unknown layer 'cv13'", "cv.layers",
                "cv1,cv2,cv3,cv4,cv5,cv6,cv7,cv8,cv9,cv10,cv11,cv12");
    }
}
