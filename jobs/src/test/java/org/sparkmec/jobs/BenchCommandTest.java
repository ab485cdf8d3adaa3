package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.bench.BenchmarkReport;
import org.sparkmec.jobs.charts.BenchmarkCharts;

/**
 * {@code ./mec bench} end to end with the quick layer set, on local Spark and in process: the files it
 * writes, and the errors it gives (one line, exit code 2, no output folder).
 */
class BenchCommandTest {
    /** The shipped layer sets; Surefire runs in the module folder {@code jobs/}. */
    private static final String LAYER_DIR = Path.of("..", "conf", "layers").toString();
    private static final List<String> QUICK = List.of("q1", "q2", "q3", "q4");
    /** MEC's solution on each quick layer with the CPU's default T (conf/layers/quick.layers). */
    /** On the CPU backend MEC's AUTO runs its fused window kernels on every quick layer (none is 1x1). */
    private static final Map<String, String> QUICK_SOLUTIONS = Map.of("q1", "FUSED", "q2", "FUSED", "q3", "FUSED", "q4", "FUSED");
    private static final List<String> ALGORITHMS = List.of("mec", "im2col", "direct");
    private static final Pattern RATIO_ROW = Pattern.compile(
            "\\| (q\\d) \\| (A|B|FUSED|POINTWISE) \\| (\\d+\\.\\d\\d) \\| (\\d+\\.\\d\\d)-(\\d+\\.\\d\\d) \\| (\\d+\\.\\d\\d) \\| "
                    + "(\\d+\\.\\d\\d)-(\\d+\\.\\d\\d) \\| (\\d+\\.\\d\\d) \\|");

    @TempDir
    Path dir;

    /** {@code bench} on the quick set at batch 2 without warm-up; {@code more} replaces options given here or adds. */
    private static String[] quickRun(Path out, String master, String... more) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("--master", master);
        options.put("--layer-dir", LAYER_DIR);
        options.put("--layers", "quick");
        options.put("--batch", "2");
        options.put("--warmup", "0");
        options.put("--runs", "5");
        options.put("--out", out.toString());
        List<String> args = new ArrayList<>(List.of("bench"));
        for (int i = 0; i < more.length; i++) {
            if (options.containsKey(more[i])) {
                options.put(more[i], more[++i]);
            } else {
                args.add(more[i]);
            }
        }
        options.forEach((k, v) -> args.addAll(List.of(k, v)));
        return args.toArray(new String[0]);
    }

    @Test
    void writesTheReportFromLocalSparksOneExecutor() throws IOException {
        Path out = dir.resolve("result");
        CliRun r = CliRun.of(quickRun(out, "local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.kryo.registrationRequired=true"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty(),
                "the session was stopped");

        List<String> csv = Files.readAllLines(out.resolve(BenchmarkReport.LAYERS_CSV));
        assertEquals(BenchmarkReport.CSV_HEADER, csv.get(0));
        assertTrue(csv.get(0).startsWith("executor,host,layer,"), csv.get(0));
        assertTrue(csv.get(1).startsWith("driver,127.0.0.1,sgemm-2048,cpu,sgemm,forward,1,"), csv.get(1));
        List<String[]> rows = csv.subList(2, csv.size()).stream().map(l -> l.split(",")).toList();
        assertEquals(QUICK.size() * ALGORITHMS.size() * 2, rows.size(), "a row per layer x algorithm x pass");
        for (String layer : QUICK) {
            for (String algorithm : ALGORITHMS) {
                for (String pass : List.of("forward", "backward")) {
                    assertEquals(1, rows.stream().filter(f -> f[2].equals(layer) && f[4].equals(algorithm)
                            && f[5].equals(pass)).count(), layer + " " + algorithm + " " + pass);
                }
            }
        }
        for (String[] f : rows) {
            String row = String.join(",", f);
            assertEquals(11, f.length, row);
            assertEquals("driver", f[0], row);
            assertEquals("2", f[6], row);
            assertTrue(Double.parseDouble(f[7]) > 0 && Double.parseDouble(f[8]) > 0, row);
            assertTrue(Long.parseLong(f[9]) > 0 == !f[4].equals("direct"), "workspace of " + row);
            assertEquals(f[4].equals("mec") ? QUICK_SOLUTIONS.get(f[2]) : "-", f[10], row);
        }

        String env = Files.readString(out.resolve(BenchmarkReport.ENVIRONMENT));
        for (String key : List.of("# run\n", "spark_version: 4.", "master: local[2]", "executors: 1 (driver@127.0.0.1)",
                "# executor driver on 127.0.0.1", "jvm:", "cpu_model:", "blas_library:", "blas_core_type:",
                "engine_threads: 2", "mec_threshold_T: 64")) {
            assertTrue(env.contains(key), "environment.txt lacks " + key + ":\n" + env);
        }

        String summary = Files.readString(out.resolve(BenchmarkReport.SUMMARY));
        List<String> ratioRows = summary.lines().filter(l -> RATIO_ROW.matcher(l).matches()).toList();
        assertEquals(QUICK, ratioRows.stream().map(l -> l.split(" \\| ")[0].substring(2)).toList(), summary);
        for (String row : ratioRows) {
            String[] cells = row.split(" \\| ");
            assertEquals(QUICK_SOLUTIONS.get(cells[0].substring(2)), cells[1], row);
            assertEquals(cells[3], cells[2] + "-" + cells[2], "one executor: the range is its ratio: " + row);
        }
        assertTrue(summary.contains("| driver | 127.0.0.1 | sgemm-2048 |"), summary);
        TrainCommandTest.assertPngs(out, BenchmarkCharts.TIME_PNG, BenchmarkCharts.MEMORY_PNG);

        for (String layer : QUICK) {
            assertTrue(r.out().contains("executor driver (127.0.0.1): layer " + (QUICK.indexOf(layer) + 1) + "/4 "
                    + layer + ": mec/im2col forward "), "progress of " + layer + ":\n" + r.out());
        }
        assertEquals(List.of("result"), siblings(), "no staging folder left");
    }

    @Test
    void runsInThisProcessWithMasterNoneAndReplacesAnEarlierOutput() throws IOException {
        Path out = Files.createDirectories(dir.resolve("result"));
        Files.writeString(out.resolve("chart-old.png"), "an earlier run's chart");
        CliRun r = CliRun.of("bench", "--master", "none", "--layer-dir", LAYER_DIR, "--layers", "q4,q1",
                "--algorithms", "mec-b,im2col", "--passes", "forward", "--batch", "3", "--warmup", "0", "--runs", "5",
                "--no-ceiling", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> csv = Files.readAllLines(out.resolve(BenchmarkReport.LAYERS_CSV));
        assertEquals(List.of("q4,mec-b,B", "q4,im2col,-", "q1,mec-b,B", "q1,im2col,-"), csv.stream().skip(1)
                .map(l -> l.split(",")).peek(f -> assertEquals("in-process", f[0])).map(f -> f[2] + "," + f[4] + "," + f[10])
                .toList());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(BenchmarkCharts.MEMORY_PNG, BenchmarkCharts.TIME_PNG, BenchmarkReport.ENVIRONMENT,
                    BenchmarkReport.LAYERS_CSV, BenchmarkReport.SUMMARY),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the earlier output was replaced");
        }
        TrainCommandTest.assertPngs(out, BenchmarkCharts.MEMORY_PNG, BenchmarkCharts.TIME_PNG);
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(files.findAny().isPresent());
        }
        assertTrue(Files.readString(out.resolve(BenchmarkReport.SUMMARY)).contains("## mec-b against im2col"));
        assertEquals(List.of("result"), siblings());
    }

    @Test
    void badInputIsOneLineWithAHintAndLeavesNoOutput() throws IOException {
        Path out = dir.resolve("x");
        assertUsageError(CliRun.of(quickRun(out, "none", "--frobnicate")), "Unknown option: '--frobnicate'");
        assertUsageError(CliRun.of(quickRun(out, "none", "--layers", "q1,cv99")), "unknown layer or layer set 'cv99'",
                "cv, quick, threshold-sweep", "cv1,cv2,", "q1,q2,q3,q4");
        assertUsageError(CliRun.of(quickRun(out, "none", "--layers", dir.resolve("nope.layers").toString())),
                "nope.layers", "does not exist");
        assertUsageError(CliRun.of(quickRun(out, "none", "--layer-dir", dir.resolve("none").toString())),
                "unknown layer or layer set 'quick'", "none");
        assertUsageError(CliRun.of(quickRun(out, "none", "--runs", "0")), "--runs must be at least 5", "got 0");
        assertUsageError(CliRun.of(quickRun(out, "none", "--runs", "five")), "--runs", "'five'");
        assertUsageError(CliRun.of(quickRun(out, "none", "--algorithms", "winograd")), "'winograd'",
                "mec|mec-a|mec-b|mec-fused|im2col|direct");
        assertUsageError(CliRun.of(quickRun(out, "local[two]")), "--master local[two]: not a Spark master URL");
        assertUsageError(CliRun.of(quickRun(out, "none", "--executors", "2")), "--executors needs a Spark master");
        assertUsageError(CliRun.of(quickRun(out, "local[2]", "--conf", "ui=off")), "--conf ui", "spark.*");
        assertFalse(Files.exists(out));
        assertTrue(SparkSession.getDefaultSession().isEmpty(), "a Spark session was started");

        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("notes.txt"), "not a benchmark's");
        assertUsageError(CliRun.of(quickRun(mine, "none")), "holds other files (notes.txt)");
        assertTrue(Files.exists(mine.resolve("notes.txt")));
    }

    /**
     * A failure after the work began (no GPU here for --backend cuda: in process, or on the executor) leaves no
     * folder, complete-looking or not, and names the executor's reason.
     */
    @Test
    void aFailedRunLeavesNoOutputFolder() throws IOException {
        Path out = dir.resolve("failed");
        CliRun inProcess = CliRun.of(quickRun(out, "none", "--backend", "cuda"));
        assertEquals(2, inProcess.exit(), inProcess.err());
        assertTrue(inProcess.err().contains("spark.mec.backend=cuda"), inProcess.err());
        assertEquals(List.of(), siblings(), "neither the folder nor its staging folder");

        CliRun onSpark = CliRun.of(quickRun(out, "local[2]", "--backend", "cuda", "--conf", "spark.ui.enabled=false"));
        assertEquals(2, onSpark.exit(), onSpark.err());
        String message = onSpark.err().lines().filter(l -> l.startsWith("mec bench: ")).findFirst().orElse(onSpark.err());
        assertTrue(message.contains("the layer benchmark failed on the executors")
                && message.contains("Cause: java.lang.IllegalStateException: spark.mec.backend=cuda"), message);
        assertEquals(List.of(), siblings(), "neither the folder nor its staging folder");
    }

    private List<String> siblings() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private void assertUsageError(CliRun r, String... parts) throws IOException {
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("mec bench: ") && r.err().strip().endsWith("try 'mec bench --help'"), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "'" + part + "' missing from: " + r.err());
        }
        assertTrue(siblings().stream().noneMatch(n -> n.contains(".tmp-")), "staging folder left: " + siblings());
    }
}
