package org.sparkmec.spark.bench;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.BenchVariant;
import org.sparkmec.engine.bench.BenchmarkReport;
import org.sparkmec.engine.bench.ExecutorResult;
import org.sparkmec.engine.bench.LayerBenchmark;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.MecSparkPlugin;
import org.sparkmec.spark.SparkEngineConf;
import org.sparkmec.spark.SparkFailures;
import org.sparkmec.spark.train.EngineProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Function1;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The layer benchmark ({@link LayerBenchmark}) on every executor of a Spark application at once, collected
 * on the driver into one {@link BenchmarkReport}.
 *
 * <p>How it runs: once the executors have registered ({@link #expectExecutors}), one Spark job with one
 * barrier stage of one task per executor. Each task asks for all the cores of the smallest executor (a
 * stage-level task resource profile when that differs from {@code spark.task.cpus}; custom task resources
 * such as {@code spark.task.resource.gpu.amount} are carried over), so no executor has room for two, and
 * Spark's barrier scheduling starts them all together or none. In local mode the driver is the one
 * executor: one task, with the local cores. Each task runs every layer on its executor's persistent engine
 * ({@code ExecutorEngines}, backend per {@code spark.mec.backend}, threads per {@code spark.mec.cpu.threads}
 * or else the task's cores) and returns its rows and environment.
 *
 * <p>Progress: with the spark-mec plugin ({@code spark.plugins}), each task reports every finished layer to
 * the driver, which passes it to the listener of {@link #run}; without it the results arrive at the end.
 *
 * <p>Needs {@code spark.kryo.registrator=org.sparkmec.spark.MecKryoRegistrator} when Kryo is the serializer
 * (results are {@link ExecutorResult}s), dynamic allocation off (the executors must stay), and executors of
 * equal cores (else a large one could take two tasks: the run then fails, naming them). Call {@link #run}
 * from one thread.
 */
public final class ClusterBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBenchmark.class);
    /** How long {@link #run} waits for executors by default. */
    public static final Duration DEFAULT_EXECUTOR_WAIT = Duration.ofSeconds(60);
    private static final String TASK_RESOURCE_PREFIX = "spark.task.resource.";
    private static final String AMOUNT = ".amount";

    /**
     * What to run.
     *
     * @param selection the layers as the user named them ({@code quick}, {@code cv1,cv5}), for the report
     * @param ceiling   measure each executor's sgemm ceiling first
     */
    public record Plan(String selection, List<BenchLayer> layers, List<BenchVariant> variants,
                       LayerBenchmark.Settings settings, boolean ceiling) {
        public Plan {
            layers = List.copyOf(layers);
            variants = List.copyOf(variants);
            if (layers.isEmpty() || variants.isEmpty()) {
                throw new IllegalArgumentException("a benchmark needs at least one layer and one algorithm, got "
                        + layers.size() + " layers and " + variants.size() + " algorithms");
            }
        }
    }

    private final SparkSession spark;
    private final Map<String, String> engineSettings;
    private int expectedExecutors;
    private Duration executorWait = DEFAULT_EXECUTOR_WAIT;

    /**
     * @param engineSettings {@code spark.mec.*} settings for the executors' engines; other keys are ignored
     * @throws IllegalArgumentException naming an invalid engine setting
     */
    public ClusterBenchmark(SparkSession spark, Map<String, String> engineSettings) {
        this.spark = spark;
        this.engineSettings = EngineConf.engineEntries(engineSettings);
    }

    /**
     * A benchmark with the session's {@code spark.mec.*} engine settings, expecting
     * {@code spark.executor.instances} executors when that is set.
     */
    public static ClusterBenchmark fromConf(SparkSession spark) {
        SparkConf conf = spark.sparkContext().getConf();
        return new ClusterBenchmark(spark, SparkEngineConf.settings(conf)).expectExecutors(conf.getInt("spark.executor.instances", 0));
    }

    /**
     * Waits for {@code count} executors before starting (0: those registered once their list has been stable
     * for a moment); every executor registered by then runs the benchmark.
     */
    public ClusterBenchmark expectExecutors(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("expected executors must be 0 (those registered) or more, got " + count);
        }
        this.expectedExecutors = count;
        return this;
    }

    /** How long {@link #run} waits for the executors; {@link #DEFAULT_EXECUTOR_WAIT} unless set. */
    public ClusterBenchmark executorWait(Duration wait) {
        this.executorWait = wait;
        return this;
    }

    /**
     * Runs {@code plan} on every executor and returns the report: the run's settings (Spark version, master,
     * application, executors, cores per task, then {@link BenchmarkReport#describeRun}) and each executor's
     * result.
     *
     * @param progress hears of each layer finished on each executor (on an RPC thread; keep it short)
     * @throws IllegalStateException if no executors came, or the benchmark failed on one (with Spark's reason)
     */
    public BenchmarkReport run(Plan plan, Consumer<BenchProgress.LayerDone> progress) throws InterruptedException {
        SparkContext sc = spark.sparkContext();
        if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("the layer benchmark needs a fixed set of executors: set "
                    + "spark.dynamicAllocation.enabled=false");
        }
        List<ExecutorSlots.Slot> slots = ExecutorSlots.await(sc, expectedExecutors, executorWait);
        int cores = slots.stream().mapToInt(ExecutorSlots.Slot::cores).min().orElseThrow();
        int executors = slots.size();
        EngineProbe.check(sc, engineSettings, cores, "the layer benchmark");
        String runId = "bench-" + UUID.randomUUID();
        BenchTask task = new BenchTask(runId, plan.layers(), plan.variants(), plan.settings(), plan.ceiling(),
                engineSettings, cores, MecSparkPlugin.driverActive());

        RDD<Integer> seeds = JavaSparkContext.fromSparkContext(sc)
                .parallelize(IntStream.range(0, executors).boxed().toList(), executors).rdd();
        int taskCpus = sc.getConf().getInt("spark.task.cpus", 1);
        if (!sc.isLocal() && cores != taskCpus) {
            seeds = seeds.withResources(onePerExecutor(cores, sc.getConf()));
        }
        String previousDescription = sc.getLocalProperty("spark.job.description");
        String description = "MEC layer benchmark: " + layerRange(plan.layers()) + " on " + executors
                + (executors == 1 ? " executor" : " executors");
        LOG.info("{} ({} cores each): {}, run {}", description, cores, slots, runId);
        List<ExecutorResult> results;
        BenchProgress.register(runId, progress);
        try {
            sc.setJobDescription(description);
            results = runBarrierStage(seeds, task);
        } catch (Exception e) { // SparkException, thrown through Scala without a declaration
            throw new IllegalStateException("the layer benchmark failed on the executors: " + SparkFailures.reason(e), e);
        } finally {
            BenchProgress.unregister(runId);
            sc.setJobDescription(previousDescription);
        }
        Map<String, Long> tasksPerExecutor = results.stream()
                .collect(Collectors.groupingBy(ExecutorResult::executor, TreeMap::new, Collectors.counting()));
        if (tasksPerExecutor.size() != results.size()) {
            throw new IllegalStateException("the benchmark's " + results.size() + " tasks ran on executors "
                    + tasksPerExecutor + ", not one on each of " + slots + ": give the executors equal cores");
        }
        Map<String, String> run = new LinkedHashMap<>();
        run.put("spark_version", sc.version());
        run.put("master", sc.master());
        run.put("application", sc.applicationId());
        run.put("executors", executors + " (" + slots.stream().map(s -> s.id() + "@" + s.host())
                .collect(Collectors.joining(", ")) + ")");
        run.put("cores_per_task", Integer.toString(cores));
        run.putAll(BenchmarkReport.describeRun(plan.selection(), plan.layers(), plan.variants(), plan.settings(),
                plan.ceiling()));
        run.put("engine_settings", engineSettings.isEmpty() ? "defaults" : engineSettings.toString());
        return new BenchmarkReport(run, results);
    }

    /** A task profile holding {@code cores} cores and the application's other task resources. */
    private static ResourceProfile onePerExecutor(int cores, SparkConf conf) {
        TaskResourceRequests requests = new TaskResourceRequests().cpus(cores);
        for (Tuple2<String, String> kv : conf.getAllWithPrefix(TASK_RESOURCE_PREFIX)) {
            if (kv._1().endsWith(AMOUNT)) {
                requests.resource(kv._1().substring(0, kv._1().length() - AMOUNT.length()), Double.parseDouble(kv._2()));
            }
        }
        return new ResourceProfileBuilder().require(requests).build();
    }

    @SuppressWarnings("unchecked")
    private static List<ExecutorResult> runBarrierStage(RDD<Integer> seeds, BenchTask task) {
        Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<ExecutorResult>> body =
                (Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<ExecutorResult>> & Serializable)
                        it -> CollectionConverters.asScala(List.of(task.run()).iterator());
        ClassTag<ExecutorResult> tag = ClassTag$.MODULE$.apply(ExecutorResult.class);
        return new ArrayList<>(JavaRDD.fromRDD(seeds.barrier().mapPartitions(body, false, tag), tag).collect());
    }

    /** {@code cv1..cv12} for three layers or more, else the names. */
    private static String layerRange(List<BenchLayer> layers) {
        return layers.size() < 3 ? layers.stream().map(BenchLayer::name).collect(Collectors.joining(","))
                : layers.get(0).name() + ".." + layers.get(layers.size() - 1).name();
    }
}
