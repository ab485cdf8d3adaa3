package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.data.FashionMnist;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.jobs.charts.BenchmarkCharts;
import org.sparkmec.jobs.charts.TrainingCharts;
import org.sparkmec.spark.cluster.StandaloneCluster;
import org.sparkmec.spark.testing.TestSessions;

/**
 * Both jobs end to end through the command line (the entry point {@code ./mec} runs), against a real
 * standalone cluster: a master and 2 workers (1 core each) on 127.0.0.1, executors in their own JVMs.
 * {@code train} runs 1 epoch of LeNet on 1,200 Fashion-MNIST images with 2 workers; {@code bench} runs
 * the {@code quick} layer set on both executors. Every output file must exist and parse, the PNGs must
 * be images, and the benchmark must hold rows of both executors. (The same commands against local Spark
 * are in TrainCommandTest and BenchCommandTest.)
 */
@Tag("cluster")
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EndToEndClusterTest {

    @Test
    void trainAndBenchOnAStandaloneCluster(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST is not installed");
        Path trainOut = dir.resolve("train");
        Path benchOut = dir.resolve("bench");
        try (StandaloneCluster cluster = StandaloneCluster.start(2, 1, 1024)) {
            List<String> conf = new ArrayList<>();
            Map<String, String> settings = new java.util.LinkedHashMap<>(TestSessions.baseConf());
            settings.putAll(cluster.sparkConf());
            settings.remove("spark.master");
            settings.forEach((k, v) -> conf.addAll(List.of("--conf", k + "=" + v)));

            List<String> train = new ArrayList<>(List.of("train", "--master", cluster.masterUrl(), "--workers", "2",
                    "--model", "../conf/models/lenet.conf", "--limit", "1200", "--epochs", "1", "--no-progress",
                    "--out", trainOut.toString()));
            train.addAll(conf);
            CliRun t = CliRun.of(train.toArray(String[]::new));
            assertEquals(0, t.exit(), "train failed:\n" + t.err());

            List<String> bench = new ArrayList<>(List.of("bench", "--master", cluster.masterUrl(), "--executors", "2",
                    "--layer-dir", "../conf/layers", "--layers", "quick", "--batch", "2", "--warmup", "0", "--runs", "5",
                    "--out", benchOut.toString()));
            bench.addAll(conf);
            CliRun b = CliRun.of(bench.toArray(String[]::new));
            assertEquals(0, b.exit(), "bench failed:\n" + b.err());
        }

        List<String> metrics = Files.readAllLines(trainOut.resolve("metrics.csv"));
        assertEquals(2, metrics.size(), "header and one epoch: " + metrics);
        for (String cell : metrics.get(1).split(",")) {
            Double.parseDouble(cell);
        }
        List<String> memory = Files.readAllLines(trainOut.resolve("layer_memory.csv"));
        assertTrue(memory.get(0).endsWith(",executor"), memory.get(0));
        assertEquals(2, memory.stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).distinct().count(),
                "rows of both executors: " + memory);
        assertEquals(1, Checkpoint.read(trainOut.resolve("model.ckpt")).epochsCompleted());
        assertEquals(1, Checkpoint.read(trainOut.resolve("checkpoint.ckpt")).epochsCompleted());
        assertEquals("lenet", org.sparkmec.engine.model.ModelFile.read(trainOut.resolve("model.conf")).name());
        TrainCommandTest.assertPngs(trainOut, TrainingCharts.TRAINING_PNG, TrainingCharts.LAYER_MEMORY_PNG);

        List<String> layers = Files.readAllLines(benchOut.resolve("layers.csv"));
        assertTrue(layers.get(0).startsWith("executor,host,layer,"), layers.get(0));
        Set<String> executors = layers.stream().skip(1).map(l -> l.split(",")[0]).collect(Collectors.toSet());
        assertEquals(2, executors.size(), "rows of both executors: " + executors);
        for (String row : layers.subList(1, layers.size())) {
            String[] cells = row.split(",");
            assertEquals("127.0.0.1", cells[1], row);
            assertTrue(Double.parseDouble(cells[7]) > 0, row);
        }
        String environment = Files.readString(benchOut.resolve("environment.txt"));
        for (String executor : executors) {
            assertTrue(environment.contains("# executor " + executor + " on 127.0.0.1"), environment);
        }
        String summary = Files.readString(benchOut.resolve("summary.md"));
        for (String layer : List.of("q1", "q2", "q3", "q4")) {
            assertTrue(summary.contains("| " + layer + " |"), "summary row of " + layer + ":\n" + summary);
        }
        TrainCommandTest.assertPngs(benchOut, BenchmarkCharts.TIME_PNG, BenchmarkCharts.MEMORY_PNG);
    }
}
