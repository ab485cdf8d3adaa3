package org.sparkmec.spark.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkSummary;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.MecSparkPlugin;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.sparkmec.spark.executor.TaskGpu;
import org.sparkmec.spark.train.EngineProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark task of one executor: borrows this JVM's persistent engine, runs the whole benchmark on it
 * and returns what it measured. Serialized into the stage's closure (Java serialization).
 */
final class BenchTask implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BenchTask.class);

    private final String runId;
    private final ArrayList<BenchLayer> layers;
    private final ArrayList<BenchVariant> variants;
    private final LayerBenchmark.Settings settings;
    private final boolean ceiling;
    private final TreeMap<String, String> engineSettings;
    private final int cores;
    private final boolean reportProgress;

    /**
     * @param engineSettings validated {@code spark.mec.*} engine settings
     * @param cores          the engine's threads when {@code spark.mec.cpu.threads} is 0: the cores the task holds
     * @param reportProgress tell the driver of each finished layer (needs the spark-mec plugin)
     */
    BenchTask(String runId, List<BenchLayer> layers, List<BenchVariant> variants, LayerBenchmark.Settings settings,
              boolean ceiling, Map<String, String> engineSettings, int cores, boolean reportProgress) {
        this.runId = runId;
        this.layers = new ArrayList<>(layers);
        this.variants = new ArrayList<>(variants);
        this.settings = settings;
        this.ceiling = ceiling;
        this.engineSettings = new TreeMap<>(engineSettings);
        this.cores = cores;
        this.reportProgress = reportProgress;
    }

    ExecutorResult run() {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        String executor = SparkEnv.get().executorId();
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        Map<String, String> engineConf = EngineProbe.taskSettings(engineSettings, cores, ctx);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("executor_id", executor);
        extra.put("host", host);
        extra.put("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        extra.put("task_cpus", Integer.toString(ctx.cpus()));
        java.util.OptionalInt gpu = TaskGpu.assigned(ctx);
        extra.put("gpu_address", gpu.isPresent() ? Integer.toString(gpu.getAsInt()) : "-");
        ExecutorEngines.Engine engine = ExecutorEngines.acquire(engineConf, gpu);
        try {
            Backend backend = engine.backend();
            LayerBenchmark bench = new LayerBenchmark(backend, EngineConf.from(engineConf).mecOptions(backend.kind()),
                    settings);
            LOG.info("layer benchmark {}: {} layers on engine {} ({})", runId, layers.size(), engine.id(),
                    backend.description());
            return bench.runAll(executor, host, extra, layers, variants, ceiling, (index, count, layer, rows) -> {
                ctx.killTaskIfInterrupted();
                String detail = BenchmarkSummary.progressLine(rows);
                LOG.debug("layer benchmark {}: layer {}/{} {}: {}", runId, index, count, layer.name(), detail);
                if (reportProgress) {
                    report(new BenchProgress.LayerDone(runId, executor, host, index, count, layer.name(), detail));
                }
            });
        } finally {
            ExecutorEngines.release(engine);
        }
    }

    /** Progress is a courtesy: a failed report is logged, and the benchmark goes on. */
    private static void report(BenchProgress.LayerDone message) {
        try {
            MecSparkPlugin.executorContext().ask(message);
        } catch (Exception e) {
            LOG.warn("cannot report the progress of layer {} to the driver: {}", message.layer(), e.toString());
        }
    }
}
