package org.sparkmec.engine.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.backend.cuda.CudaMath;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.ConvAutoTable;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.MecSolution;

/**
 * The engine's {@code spark.mec.*} settings, each defined once with doc, default and validation, and
 * their values read from a key/value map (SparkConf, command-line options or a properties file).
 */
public final class EngineConf {
    public static final String PREFIX = "spark.mec.";
    /** Upper bound of {@code spark.mec.cpu.threads}: a guard against typos, far above any one machine's cores. */
    public static final int MAX_CPU_THREADS = 1024;

    public static final ConfigEntry<BackendKind> BACKEND = ConfigEntry.ofEnum("spark.mec.backend",
            "Compute backend: cpu (OpenBLAS), cuda (GPU), or auto (cuda when usable, else cpu; the reason is logged).",
            BackendKind.AUTO, BackendKind.class);

    public static final ConfigEntry<Integer> CPU_THREADS = ConfigEntry.intBetween("spark.mec.cpu.threads",
            "Threads of the CPU backend per engine; 0 means all available processors.", 0, 0, MAX_CPU_THREADS);

    public static final ConfigEntry<GemmParallelism> CPU_GEMM_PARALLELISM = ConfigEntry.ofEnum(
            "spark.mec.cpu.gemmParallelism",
            "tasks: one OpenBLAS thread, independent GEMMs run concurrently on the engine's threads; "
                    + "blas: OpenBLAS's own threads, one GEMM at a time. tasks measured faster here (docs/results.md).",
            GemmParallelism.TASKS, GemmParallelism.class);

    public static final ConfigEntry<Long> CPU_BUFFER_CACHE = ConfigEntry.bytes("spark.mec.cpu.bufferCacheBytes",
            "Freed native buffers the CPU backend keeps for reuse (saves page faults on every large workspace); "
                    + "auto = a quarter of physical memory, 0 disables.", "auto");

    public static final ConfigEntry<ConvAlgorithm> CONV_ALGORITHM = ConfigEntry.ofEnum("spark.mec.conv.algorithm",
            "Convolution algorithm: mec, im2col (the baseline) or direct (double-precision reference, slow).",
            ConvAlgorithm.MEC, ConvAlgorithm.class);

    public static final ConfigEntry<Integer> CUDA_DEVICE = ConfigEntry.intBetween("spark.mec.cuda.device",
            "GPU number (the driver's numbering) of the cuda backend outside Spark's GPU scheduling; under Spark "
                    + "with spark.task.resource.gpu.amount set, the GPU address assigned to the task is used instead.",
            0, 0, 1023);

    public static final ConfigEntry<CudaMath> CUDA_MATH = ConfigEntry.ofEnum("spark.mec.cuda.math",
            "Arithmetic of the cuda backend's fused MEC kernels: fp32, or tf32 (tensor cores, operands rounded to "
                    + "10-bit mantissas, FP32 sums; GPUs of compute capability 8.0 or newer, else fp32 with a warning; "
                    + "MEC's backward then runs fused wherever the tensor-core kernels do, not solution A's FP32 GEMMs).",
            CudaMath.FP32, CudaMath.class);

    public static final ConfigEntry<Integer> MEC_THRESHOLD = ConfigEntry.intAtLeast("spark.mec.mec.threshold",
            "T of the MEC paper: solution A (batch-stacked GEMMs) when o_w <= T and |O| <= |L|, else solution B; "
                    + "0 = the backend's measured default (cpu " + MecOptions.DEFAULT_CPU_THRESHOLD + ", cuda "
                    + MecOptions.DEFAULT_CUDA_THRESHOLD + ").",
            0, 0);

    public static final ConfigEntry<MecSolution> MEC_SOLUTION = ConfigEntry.ofEnum("spark.mec.mec.solution",
            "auto (pointwise for 1x1 stride-1 unpadded kernels, the backend's fused kernels where it has them, "
                    + "else a or b by the threshold), or force a, b, fused or pointwise (benchmarks, tests).", MecSolution.AUTO, MecSolution.class);

    /** {@link #CONV_AUTO_TABLE}'s value for the user's cache folder. */
    public static final String AUTO_TABLE_USER = "user";
    /** {@link #CONV_AUTO_TABLE}'s value for no file. */
    public static final String AUTO_TABLE_NONE = "none";

    public static final ConfigEntry<String> CONV_AUTO_TABLE = ConfigEntry.of("spark.mec.conv.autoTable",
            "Where conv2d algorithm auto keeps its measured decisions (MEC or im2col per backend, shape and budget), so "
                    + "that later runs reuse them instead of measuring again and runs with the same seed choose alike: "
                    + "user (conv-auto.tsv in $XDG_CACHE_HOME/spark-mec, else ~/.cache/spark-mec), none (this JVM only), "
                    + "or a file path. Delete the file to measure again.",
            AUTO_TABLE_USER, "user, none or a file path", text -> {
                if (text.isBlank()) {
                    throw new IllegalArgumentException("empty");
                }
                return text.trim();
            });

    /** Every engine entry, in documentation order. */
    public static final List<ConfigEntry<?>> ENTRIES = List.of(BACKEND, CPU_THREADS, CPU_GEMM_PARALLELISM, CPU_BUFFER_CACHE, CUDA_DEVICE,
            CUDA_MATH, CONV_ALGORITHM, CONV_AUTO_TABLE, MEC_THRESHOLD, MEC_SOLUTION);

    private final Map<String, String> values;

    private EngineConf(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /**
     * Reads and validates the engine entries from {@code settings}; other {@code spark.mec.*} keys are
     * left to the layers that own them ({@code knownElsewhere}).
     *
     * @throws IllegalArgumentException on an invalid value (naming key, value and what is allowed) or an
     *                                  unknown {@code spark.mec.} key not in {@code knownElsewhere}
     */
    public static EngineConf from(Map<String, String> settings, Set<String> knownElsewhere) {
        Set<String> known = ENTRIES.stream().map(ConfigEntry::key).collect(Collectors.toSet());
        Set<String> unknown = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (key.startsWith(PREFIX) && !known.contains(key) && !knownElsewhere.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown configuration key(s) " + unknown + "; known spark.mec keys: "
                    + new TreeSet<>(known));
        }
        EngineConf conf = new EngineConf(settings);
        for (ConfigEntry<?> entry : ENTRIES) {
            conf.get(entry);
        }
        return conf;
    }

    public static EngineConf from(Map<String, String> settings) {
        return from(settings, Set.of());
    }

    /**
     * The engine's own entries among {@code settings} (other keys dropped), validated: what an executor needs to
     * build its engine.
     *
     * @throws IllegalArgumentException on an invalid value, naming key, value and what is allowed
     */
    public static Map<String, String> engineEntries(Map<String, String> settings) {
        Set<String> keys = ENTRIES.stream().map(ConfigEntry::key).collect(Collectors.toSet());
        Map<String, String> engine = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (keys.contains(k)) {
                engine.put(k, v);
            }
        });
        from(engine);
        return engine;
    }

    public static EngineConf defaults() {
        return new EngineConf(Map.of());
    }

    public <T> T get(ConfigEntry<T> entry) {
        return entry.parse(values.get(entry.key()));
    }

    public CpuBackendOptions cpuOptions() {
        int threads = get(CPU_THREADS);
        long cache = get(CPU_BUFFER_CACHE);
        return new CpuBackendOptions(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads,
                get(CPU_GEMM_PARALLELISM), cache < 0 ? CpuBackendOptions.defaultBufferCacheBytes() : cache);
    }

    /**
     * The table of {@code auto} decisions {@link #CONV_AUTO_TABLE} names: {@code user} resolves to
     * {@code $XDG_CACHE_HOME/spark-mec/conv-auto.tsv} (else {@code ~/.cache/spark-mec/conv-auto.tsv}).
     */
    public ConvAutoTable convAutoTable() {
        String value = get(CONV_AUTO_TABLE);
        if (value.equalsIgnoreCase(AUTO_TABLE_NONE)) {
            return ConvAutoTable.inMemory();
        }
        if (!value.equalsIgnoreCase(AUTO_TABLE_USER)) {
            return ConvAutoTable.file(Path.of(value));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return ConvAutoTable.file(cache.resolve("spark-mec").resolve("conv-auto.tsv"));
    }

    /** MEC settings for the CPU backend (threshold 0 resolves to the CPU default). */
    public MecOptions mecOptions() {
        return mecOptions(BackendKind.CPU);
    }

    /** MEC settings for a backend of {@code kind} (threshold 0 resolves to that backend's measured default). */
    public MecOptions mecOptions(BackendKind kind) {
        int t = get(MEC_THRESHOLD);
        return new MecOptions(t == 0 ? MecOptions.defaultThreshold(kind) : t, get(MEC_SOLUTION));
    }
}
