package org.sparkmec.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.OpenBlas;
import org.sparkmec.engine.backend.cuda.CudaBackend;

/** What a benchmark result depends on: JVM, CPU, BLAS library, version, kernel and threads. */
public final class EnvironmentReport {
    private EnvironmentReport() {
    }

    /** Ordered key/value pairs describing this process and {@code backend}. */
    public static Map<String, String> describe(Backend backend, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("date", Instant.now().toString());
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("cpu_model", cpuModel());
        env.put("cpu_cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("backend", backend.description());
        if (backend instanceof CpuBackend cpu) {
            env.put("blas_library", "OpenBLAS " + OpenBlas.version() + " (org.bytedeco:openblas, openblas_nolapack)");
            env.put("blas_core_type", OpenBlas.coreName());
            env.put("blas_core_type_source", OpenBlas.coreTypeSource());
            env.put("blas_threads", Integer.toString(OpenBlas.threads()));
            env.put("engine_threads", Integer.toString(cpu.options().threads()));
            env.put("gemm_parallelism", cpu.options().gemmParallelism().configName());
        }
        if (backend instanceof CudaBackend cuda) {
            env.put("gpu_model", cuda.deviceName());
            env.put("gpu_ordinal", Integer.toString(cuda.deviceOrdinal()));
            env.put("gemm_library", "cuBLAS through JCublas2 (FP32, default math mode: no TF32)");
            env.put("timing", "wall clock around each call followed by a device synchronize");
        }
        env.putAll(extra);
        return env;
    }

    public static String format(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }
}
