package org.sparkmec.spark.train;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.PermanentFailureException;
import org.sparkmec.spark.SparkFailures;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.sparkmec.spark.executor.TaskGpu;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before a barrier stage, that an executor can create the MEC engine the stage will use: one small
 * non-barrier task (on the driver in local mode, on one executor otherwise) acquires an engine with the
 * stage's settings ({@link ExecutorEngines}) and releases it, so the stage's task on that JVM reuses it. A
 * backend that cannot be used there ({@code spark.mec.backend=cuda} without a GPU, a native library that does
 * not load) fails here once, with one line naming the executor, instead of failing every task of every stage
 * attempt. The task reports the failure instead of throwing it, so Spark does not retry it.
 */
public final class EngineProbe {
    private static final Logger TRACES = LoggerFactory.getLogger(SparkFailures.TRACE_LOGGER);

    private EngineProbe() {
    }

    /**
     * Runs the probe; returns when an engine could be created.
     *
     * @param engineSettings validated {@code spark.mec.*} engine settings
     * @param threads        the engine's threads when {@code spark.mec.cpu.threads} is 0; 0 for the task's cores
     * @param purpose        what the engine is for, for messages ({@code training lenet})
     * @throws PermanentFailureException naming the executor and why its engine cannot be created
     */
    public static void check(SparkContext sc, Map<String, String> engineSettings, int threads, String purpose) {
        TreeMap<String, String> settings = new TreeMap<>(engineSettings);
        CollectionAccumulator<String> failures = sc.collectionAccumulator("mec.engineProbe.failures");
        String previous = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("mec: check that an executor can create the engine for " + purpose);
        try {
            JavaSparkContext.fromSparkContext(sc).parallelize(List.of(0), 1)
                    .foreach(ignored -> probe(settings, threads, failures));
        } finally {
            sc.setJobDescription(previous);
        }
        List<String> found = failures.value();
        if (!found.isEmpty()) {
            throw new PermanentFailureException(purpose + " cannot start: " + found.get(0));
        }
    }

    /** In the probe task: acquires and releases an engine, adding a failure's one-line description. */
    private static void probe(Map<String, String> engineSettings, int threads, CollectionAccumulator<String> failures) {
        TaskContext ctx = TaskContext.get();
        String where = "executor " + SparkEnv.get().executorId() + " ("
                + SparkEnv.get().blockManager().blockManagerId().host() + ")";
        try {
            ExecutorEngines.release(ExecutorEngines.acquire(taskSettings(engineSettings, threads, ctx),
                    TaskGpu.assigned(ctx)));
        } catch (RuntimeException | LinkageError e) {
            TRACES.error("{} cannot create a MEC engine", where, e);
            failures.add("on " + where + ": " + SparkFailures.describe(e));
        }
    }

    /**
     * The engine settings a task uses: {@code settings} with {@code spark.mec.cpu.threads} 0 replaced by
     * {@code threads}, or when that is 0 by the task's cores.
     */
    public static Map<String, String> taskSettings(Map<String, String> settings, int threads, TaskContext ctx) {
        Map<String, String> s = new TreeMap<>(settings);
        if (EngineConf.from(s).get(EngineConf.CPU_THREADS) == 0) {
            s.put(EngineConf.CPU_THREADS.key(), Integer.toString(threads > 0 ? threads : Math.max(1, ctx.cpus())));
        }
        return s;
    }
}
