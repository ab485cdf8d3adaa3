package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.bench.BenchmarkRow;

/** {@code ./mec bench} end to end on tiny layers: the files it writes and the errors it gives. */
class BenchCommandTest {

    @TempDir
    Path dir;

    private Path layerSet() throws IOException {
        Path file = dir.resolve("tiny.layers");
        Files.writeString(file, "# name i_h i_w i_c k_h k_w k_c s_h s_w p_h p_w\n"
                + "t1  9 7 3  3 3 4  1 1  0 0\n"
                + "t2  8 8 2  5 3 3  2 1  1 0\n");
        return file;
    }


    @Test
    void writesLayersCsvAndEnvironment() throws IOException {
        Path out = dir.resolve("result");
        CliRun r = CliRun.of("bench", "--layer-set", layerSet().toString(), "--layers", "t1,t2", "--batch", "3",
                "--backend", "cpu", "--algorithms", "mec,mec-b,im2col", "--warmup", "0", "--runs", "5",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("layers.csv"));
        assertEquals(BenchmarkRow.CSV_HEADER, csv.get(0));
        assertTrue(csv.get(1).startsWith("sgemm-2048,cpu,sgemm,forward,1,"), csv.get(1));
        assertEquals(1 + 1 + 2 * 3 * 2, csv.size(), "header, ceiling, 2 layers x 3 algorithms x 2 passes");
        assertTrue(csv.contains(csv.stream().filter(l -> l.startsWith("t2,cpu,im2col,backward,3,")).findFirst()
                .orElse("missing t2 im2col backward")));
        String env = Files.readString(out.resolve("environment.txt"));
        for (String key : List.of("jvm:", "cpu_model:", "cpu_cores:", "blas_library:", "blas_core_type:", "blas_threads:")) {
            assertTrue(env.contains(key), "environment.txt lacks " + key + ":\n" + env);
        }
        assertTrue(r.out().contains("forward faster than im2col"), r.out());
        try (var files = Files.list(out)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp files left behind");
        }
    }

    @Test
    void unknownLayerIsAUsageErrorNamingTheKnownOnes() throws IOException {
        CliRun r = CliRun.of("bench", "--layer-set", layerSet().toString(), "--layers", "cv99", "--out", dir.resolve("x").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown layer 'cv99'") && r.err().contains("t1,t2"), r.err());
        assertFalse(Files.exists(dir.resolve("x").resolve("layers.csv")));
    }

    @Test
    void badOptionsAreRejectedWithTheValue() throws IOException {
        CliRun runs = CliRun.of("bench", "--layer-set", layerSet().toString(), "--runs", "3");
        assertEquals(2, runs.exit());
        assertTrue(runs.err().contains("--runs must be at least 5") && runs.err().contains("3"), runs.err());
        CliRun algorithm = CliRun.of("bench", "--layer-set", layerSet().toString(), "--algorithms", "winograd");
        assertEquals(2, algorithm.exit());
        assertTrue(algorithm.err().contains("'winograd'") && algorithm.err().contains("mec|mec-a|mec-b|im2col|direct"),
                algorithm.err());
        CliRun backend = CliRun.of("bench", "--layer-set", layerSet().toString(), "--backend", "cuda");
        assertEquals(2, backend.exit());
        assertTrue(backend.err().contains("cuda"), backend.err());
        CliRun missing = CliRun.of("bench", "--layer-set", dir.resolve("nope.layers").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope.layers"), missing.err());
    }
}
