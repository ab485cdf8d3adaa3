package org.sparkmec.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real standalone cluster (2 workers x 1 core x 1536 MiB): tasks run in two executor JVMs other than this
 * one, an executor can be killed, and closing the cluster leaves no process behind.
 */
@Tag("cluster")
class StandaloneClusterTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tasksRunInTwoExecutorJvmsThatCanBeKilledAndCloseStopsEveryProcess() {
        long testJvm = ProcessHandle.current().pid();
        List<Long> seenPids = new ArrayList<>();

        long t0 = System.nanoTime();
        StandaloneCluster cluster = StandaloneCluster.start(2, 1, 1536);
        System.out.printf("cluster ready in %.1f s: %s, logs in %s%n", seconds(t0), cluster.masterUrl(),
                cluster.logDir());
        try (cluster) {
            long t1 = System.nanoTime();
            SparkSession.Builder builder = SparkSession.builder().appName("StandaloneClusterTest")
                    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
            cluster.sparkConf().forEach(builder::config);
            SparkSession spark = builder.getOrCreate();
            try {
                assertEquals(cluster.masterUrl(), spark.sparkContext().master(), "a session from elsewhere was reused");
                System.out.printf("session with executors %s in %.1f s%n", cluster.executorPids(), seconds(t1));

                long t2 = System.nanoTime();
                // The lambda is Java-serialized and deserialized on the executors: they must load this test class.
                List<Long> taskPids = JavaSparkContext.fromSparkContext(spark.sparkContext())
                        .parallelize(List.of(0, 1), 2).map(i -> ProcessHandle.current().pid()).collect();
                System.out.printf("job over 2 partitions in %.1f s, task pids %s%n", seconds(t2), taskPids);
                Set<Long> executors = new TreeSet<>(taskPids);
                assertEquals(2, executors.size(), "tasks should run in two JVMs, ran in " + taskPids);
                assertFalse(executors.contains(testJvm), "a task ran in the test JVM " + testJvm);
                List<Long> live = cluster.executorPids();
                assertTrue(live.containsAll(executors), "task pids " + executors + " vs executor pids " + live);
                seenPids.addAll(live);

                long victim = taskPids.get(0);
                long t3 = System.nanoTime();
                cluster.killExecutor(victim);
                System.out.printf("executor %d killed in %.2f s%n", victim, seconds(t3));
                assertFalse(cluster.executorPids().contains(victim));
                assertFalse(isAlive(victim), "killed executor " + victim + " is alive");
                IllegalArgumentException notExecutor = assertThrows(IllegalArgumentException.class,
                        () -> cluster.killExecutor(testJvm));
                assertTrue(notExecutor.getMessage().contains("is not a live executor"), notExecutor.getMessage());
                seenPids.addAll(cluster.executorPids());
            } finally {
                spark.stop();
            }
            seenPids.addAll(cluster.daemonPids());
            cluster.daemonPids().forEach(pid -> ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)
                    .forEach(p -> seenPids.add(p.pid())));
            long t4 = System.nanoTime();
            cluster.close();
            System.out.printf("cluster closed in %.1f s%n", seconds(t4));
        }
        cluster.close();
        List<Long> alive = seenPids.stream().filter(StandaloneClusterTest::isAlive).toList();
        assertTrue(alive.isEmpty(), "still alive after close: " + alive + " of " + seenPids);
        assertEquals(3, cluster.daemonPids().size());
        assertTrue(new TreeSet<>(seenPids).size() >= 5, "3 daemons and at least 2 executors expected: " + seenPids);
        IllegalStateException closed = assertThrows(IllegalStateException.class, cluster::executorPids);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        System.out.printf("whole test %.1f s%n", seconds(t0));
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
