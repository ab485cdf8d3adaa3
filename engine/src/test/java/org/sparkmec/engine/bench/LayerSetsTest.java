package org.sparkmec.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.MecSolution;
import org.sparkmec.engine.shape.ConvGeometry;

/** The shipped layer sets ({@code conf/layers}) and selections over them by set, layer and file. */
class LayerSetsTest {
    /** Surefire runs in the module folder {@code engine/}. */
    private static final Path SHIPPED = Path.of("..", "conf", "layers");

    @TempDir
    Path dir;

    private static List<String> names(List<BenchLayer> layers) {
        return layers.stream().map(BenchLayer::name).toList();
    }

    @Test
    void selectsBySetLayerAndFileInTheOrderGivenEachOnce() throws IOException {
        LayerSets sets = LayerSets.read(SHIPPED);
        assertEquals(List.of("cv", "quick", "resnet", "threshold-sweep"), sets.setNames());
        assertEquals(12, sets.select(List.of("cv")).size());
        assertEquals(List.of("cv5", "q1", "q2", "q3", "q4", "ow24"),
                names(sets.select(List.of("cv5", " quick", "q2", "ow24"))));
        Path file = Files.writeString(dir.resolve("mine.layers"), "m1 9 9 3 3 3 4 1 1 0 0\n");
        assertEquals(List.of("q4", "m1"), names(sets.select(List.of("q4", file.toString()))));
    }

    @Test
    void anUnknownNameIsOneLineListingTheSetsAndLayers() throws IOException {
        LayerSets sets = LayerSets.read(SHIPPED);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sets.select(List.of("cv1", "cv99")));
        assertTrue(e.getMessage().contains("unknown layer or layer set 'cv99'")
                && e.getMessage().contains("cv, quick, resnet, threshold-sweep")
                && e.getMessage().contains("cv1,cv2,") && e.getMessage().contains("q1,q2,q3,q4"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> sets.select(List.of(dir.resolve("nope.layers").toString())));
        assertTrue(missing.getMessage().contains("nope.layers") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
    }

    @Test
    void aLayerNameInTwoSetsIsRejectedNamingBothFiles() throws IOException {
        Files.writeString(dir.resolve("a.layers"), "x1 9 9 3 3 3 4 1 1 0 0\n");
        Files.writeString(dir.resolve("b.layers"), "x1 8 8 3 3 3 4 1 1 0 0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSets.read(dir));
        assertTrue(e.getMessage().contains("x1") && e.getMessage().contains("a.layers")
                && e.getMessage().contains("b.layers"), e.getMessage());
    }

    /** What quick.layers promises: solution A, B (by size and by width) and a stride over 1, on either backend. */
    @Test
    void theQuickSetCoversBothSolutionsAndAStrideOnEitherBackend() throws IOException {
        List<BenchLayer> quick = LayerSets.read(SHIPPED).select(List.of("quick"));
        for (BackendKind kind : List.of(BackendKind.CPU, BackendKind.CUDA)) {
            MecOptions mec = new MecOptions(MecOptions.defaultThreshold(kind), MecSolution.AUTO);
            List<MecSolution> solutions = quick.stream().map(l -> mec.resolve(l.atBatch(32))).toList();
            assertEquals(List.of(MecSolution.A, MecSolution.B, MecSolution.B, MecSolution.A), solutions, kind.name());
        }
        ConvGeometry q2 = quick.get(1).geometry();
        assertTrue(q2.outputElements() > q2.mecLoweredElements(), "q2 is solution B by size");
        assertTrue(quick.get(2).geometry().outW() > MecOptions.DEFAULT_CUDA_THRESHOLD, "q3 is solution B by width");
        Set<Integer> strides = quick.stream().map(l -> l.geometry().strideW()).collect(Collectors.toSet());
        assertTrue(strides.stream().anyMatch(s -> s > 1), "a stride over 1: " + strides);
        for (BenchLayer l : quick) {
            assertTrue(l.atBatch(32).forwardFlops() <= LayerBenchmark.DEFAULT_DIRECT_MAX_GFLOP * 1e9,
                    l.name() + " is small enough for the direct reference at batch 32");
        }
    }
}
