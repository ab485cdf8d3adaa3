package org.sparkmec.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkReport;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.bench.LayerSets;
import org.sparkmec.spark.bench.BenchProgress;
import org.sparkmec.spark.bench.ClusterBenchmark;
import org.sparkmec.spark.testing.TestSessions;

/**
 * The layer benchmark on a real standalone cluster (master + 2 workers x 2 cores on 127.0.0.1): one task on
 * each executor, at once, holding all its cores (a stage-level task profile, since spark.task.cpus is 1);
 * every executor's rows and environment reach the driver, and its progress arrives layer by layer.
 */
@Tag("cluster")
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterBenchmarkTest {
    private static final int EXECUTORS = 2;
    private static final int CORES = 2;

    @Test
    void everyExecutorRunsTheQuickSetOnceWithAllItsCores(@TempDir Path dir) throws Exception {
        List<BenchLayer> quick = LayerSets.read(Path.of("..", "conf", "layers")).select(List.of("quick"));
        List<BenchVariant> variants = List.of(BenchVariant.parse("mec"), BenchVariant.parse("im2col"),
                BenchVariant.parse("direct"));
        ClusterBenchmark.Plan plan = new ClusterBenchmark.Plan("quick", quick, variants,
                new LayerBenchmark.Settings(2, 0, 5, true, true), false);
        List<BenchProgress.LayerDone> progress = new CopyOnWriteArrayList<>();
        BenchmarkReport report;
        try (StandaloneCluster cluster = StandaloneCluster.start(EXECUTORS, CORES, 1024)) {
            Map<String, String> conf = new HashMap<>(TestSessions.baseConf());
            conf.putAll(cluster.sparkConf());
            SparkSession.Builder b = SparkSession.builder().appName("ClusterBenchmarkTest");
            conf.forEach(b::config);
            SparkSession spark = b.getOrCreate();
            try {
                report = ClusterBenchmark.fromConf(spark).expectExecutors(EXECUTORS).run(plan, progress::add);
            } finally {
                spark.stop();
            }
        }

        List<ExecutorResult> executors = report.executors();
        List<String> ids = executors.stream().map(ExecutorResult::executor).toList();
        assertEquals(EXECUTORS, ids.stream().distinct().count(), "one result from each executor: " + ids);
        assertTrue(ids.stream().noneMatch("driver"::equals), ids.toString());
        for (ExecutorResult e : executors) {
            assertEquals(quick.size() * variants.size() * 2, e.rows().size(), "rows of executor " + e.executor());
            assertEquals("127.0.0.1", e.host());
            assertEquals(Integer.toString(CORES), e.environment().get("task_cpus"), "the task held all cores");
            assertEquals(Integer.toString(CORES), e.environment().get("engine_threads"), "threads = the task's cores");
            assertEquals(e.executor(), e.environment().get("executor_id"));
            assertTrue(e.rows().stream().allMatch(r -> r.medianMs() > 0), e.rows().toString());
        }
        assertTrue(report.run().get("executors").startsWith(EXECUTORS + " ("), report.run().toString());
        assertEquals(Integer.toString(CORES), report.run().get("cores_per_task"));

        Map<String, List<Integer>> layersDone = progress.stream().collect(Collectors.groupingBy(
                BenchProgress.LayerDone::executor, Collectors.mapping(BenchProgress.LayerDone::index, Collectors.toList())));
        assertEquals(Map.of(ids.get(0), List.of(1, 2, 3, 4), ids.get(1), List.of(1, 2, 3, 4)), layersDone,
                "a progress report per layer and executor, in order");

        report.writeTo(dir);
        List<String> csv = Files.readAllLines(dir.resolve(BenchmarkReport.LAYERS_CSV));
        assertEquals(1 + EXECUTORS * quick.size() * variants.size() * 2, csv.size());
        for (String id : ids) {
            assertTrue(csv.stream().anyMatch(l -> l.startsWith(id + ",127.0.0.1,q4,cpu,direct,backward,2,")), id);
        }
        String env = Files.readString(dir.resolve(BenchmarkReport.ENVIRONMENT));
        for (String id : ids) {
            assertTrue(env.contains("# executor " + id + " on 127.0.0.1\n"), env);
        }
    }
}
