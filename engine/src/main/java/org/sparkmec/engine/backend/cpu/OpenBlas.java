package org.sparkmec.engine.backend.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.sparkmec.engine.backend.Transpose;

/**
 * The OpenBLAS calls the CPU backend makes (bytedeco presets, {@code openblas_nolapack}), and what is
 * known about the loaded library.
 *
 * <p>The native library loads on first use. The kernel OpenBLAS picks (its "core type") is chosen at
 * load time from the CPU, or from the environment variable {@code OPENBLAS_CORETYPE} when set; the
 * presets do not map {@code openblas_get_corename()}, so {@link #coreName()} asks a child JVM with
 * {@code OPENBLAS_VERBOSE=2}, which makes OpenBLAS print its choice.
 */
public final class OpenBlas {
    /** The environment variable that overrides OpenBLAS's kernel choice. Read by OpenBLAS at load time. */
    public static final String CORE_TYPE_ENV = "OPENBLAS_CORETYPE";

    private static volatile String coreName;

    private OpenBlas() {
    }

    /** Version of the OpenBLAS build in the presets, e.g. {@code 0.3.31}. */
    public static String version() {
        String v = openblas_nolapack.OPENBLAS_VERSION.trim();
        return v.startsWith("OpenBLAS ") ? v.substring("OpenBLAS ".length()).trim() : v;
    }

    /** Where the kernel choice comes from: {@code automatic}, or the {@value #CORE_TYPE_ENV} setting. */
    public static String coreTypeSource() {
        String forced = System.getenv(CORE_TYPE_ENV);
        return forced == null ? "automatic" : CORE_TYPE_ENV + "=" + forced;
    }

    /** Sets OpenBLAS's thread count. Process-wide. */
    static void setThreads(int threads) {
        openblas_nolapack.blas_set_num_threads(threads);
    }

    /** OpenBLAS's current thread count. */
    public static int threads() {
        return openblas_nolapack.blas_get_num_threads();
    }

    /** Row-major {@code C = alpha op(A) op(B) + beta C}, unchecked. */
    static void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                      HostFloatStorage a, long aOffset, int lda, HostFloatStorage b, long bOffset, int ldb,
                      float beta, HostFloatStorage c, long cOffset, int ldc) {
        openblas_nolapack.cblas_sgemm(CblasRowMajor, cblas(transA), cblas(transB), m, n, k, alpha,
                a.pointerAt(aOffset), lda, b.pointerAt(bOffset), ldb, beta, c.pointerAt(cOffset), ldc);
    }

    /** {@code y += x} over {@code n} floats, unchecked. */
    static void saxpy(int n, HostFloatStorage x, long xOffset, HostFloatStorage y, long yOffset) {
        openblas_nolapack.cblas_saxpy(n, 1f, x.pointerAt(xOffset), 1, y.pointerAt(yOffset), 1);
    }

    private static int cblas(Transpose t) {
        return t == Transpose.NONE ? CblasNoTrans : CblasTrans;
    }

    /**
     * The kernel (core type) OpenBLAS uses in a JVM with this process's environment, e.g.
     * {@code SkylakeX}; {@code unknown (...)} with the reason when the probe fails. Cached.
     */
    public static String coreName() {
        String name = coreName;
        if (name == null) {
            name = probeCoreName();
            coreName = name;
        }
        return name;
    }

    private static String probeCoreName() {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                CoreProbe.class.getName()));
        pb.environment().put("OPENBLAS_VERBOSE", "2");
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            String found = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("Core:")) {
                        found = line.substring("Core:".length()).trim();
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown (probe timed out)";
            }
            return found != null ? found : "unknown (OpenBLAS printed no core with OPENBLAS_VERBOSE=2)";
        } catch (IOException e) {
            return "unknown (probe failed: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (probe interrupted)";
        }
    }

    /** Entry point of the child JVM of {@link #coreName()}: loading OpenBLAS makes it print its core. */
    public static final class CoreProbe {
        private CoreProbe() {
        }

        public static void main(String[] args) {
            Loader.load(openblas_nolapack.class);
            System.out.println("threads=" + openblas_nolapack.blas_get_num_threads());
        }
    }
}
