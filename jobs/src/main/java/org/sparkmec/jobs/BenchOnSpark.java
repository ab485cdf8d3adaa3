package org.sparkmec.jobs;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkReport;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;
import org.sparkmec.spark.bench.ClusterBenchmark;

/**
 * The Spark half of {@code ./mec bench}: validates the master and settings when created (before any work),
 * then {@link #run} starts the session, runs {@link ClusterBenchmark} and stops the session.
 */
final class BenchOnSpark {
    private final String master;
    private final Map<String, String> system;
    private final Map<String, String> given;
    private final Map<String, String> mec;

    /**
     * @param conf        the {@code --conf} pairs, or null
     * @param mecSettings the command's {@code spark.mec.*} options over the given base settings
     * @throws IllegalArgumentException naming an invalid master or setting
     */
    BenchOnSpark(String master, boolean masterGiven, List<String> conf, UnaryOperator<Map<String, String>> mecSettings) {
        this.master = SparkApplication.master(master, masterGiven);
        this.system = SparkApplication.systemProperties();
        this.given = SparkApplication.sparkConf(conf);
        Map<String, String> base = SparkApplication.mecDefaults(system);
        given.forEach((k, v) -> {
            if (k.startsWith(EngineConf.PREFIX)) {
                base.put(k, v);
            }
        });
        this.mec = mecSettings.apply(base);
        EngineConf.from(mec, TrainConf.keys());
    }

    /**
     * Runs the benchmark on every executor.
     *
     * @param expectedExecutors executors to wait for; 0: {@link ClusterBenchmark#fromConf}'s default
     * @param progress          hears a line per finished layer and executor
     */
    BenchmarkReport run(String selection, List<BenchLayer> layers, List<BenchVariant> variants,
                        LayerBenchmark.Settings settings, boolean ceiling, int expectedExecutors,
                        Consumer<String> progress) throws InterruptedException {
        ClusterBenchmark.Plan plan = new ClusterBenchmark.Plan(selection, layers, variants, settings, ceiling);
        SparkSession spark = SparkApplication.start(master, "spark-mec bench " + selection, system, given, mec);
        try {
            ClusterBenchmark bench = ClusterBenchmark.fromConf(spark);
            if (expectedExecutors > 0) {
                bench.expectExecutors(expectedExecutors);
            }
            return bench.run(plan, done -> progress.accept(done.line()));
        } finally {
            spark.stop();
        }
    }
}
