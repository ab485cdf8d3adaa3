package org.sparkmec.engine.backend.cuda;

import java.util.List;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.nvrtc.JNvrtc;

/**
 * Loads JCuda's native libraries once per JVM: the driver API (needs only {@code libcuda.so.1}), then
 * cuBLAS and NVRTC through {@link CudaLibraryBridge} (CUDA 12 as shipped, CUDA 13 bridged), and
 * initialises the driver. Thread-safe; a failure is remembered and rethrown with the same reason.
 */
final class CudaLibraries {
    private static final String VERSION = "12.6.0";
    private static final String PLATFORM = "linux-x86_64";
    private static List<String> loaded;
    private static RuntimeException failure;

    private CudaLibraries() {
    }

    /**
     * Loads and initialises; returns how each bridged library was loaded.
     *
     * @throws IllegalStateException naming the reason CUDA cannot be used (no driver, no GPU, no cuBLAS)
     */
    static synchronized List<String> load() {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                    || !"amd64".equals(System.getProperty("os.arch"))) {
                throw new IllegalStateException("the CUDA backend is built for linux-x86_64, this JVM runs on "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            }
            try {
                JCudaDriver.setExceptionsEnabled(true);
            } catch (LinkageError e) {
                throw new IllegalStateException("no NVIDIA driver: libcuda.so.1 cannot be loaded (" + firstLine(e) + ")", e);
            }
            try {
                JCudaDriver.cuInit(0);
            } catch (RuntimeException e) {
                throw new IllegalStateException("the NVIDIA driver failed to initialise: " + e.getMessage(), e);
            }
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                throw new IllegalStateException("the NVIDIA driver reports no GPU");
            }
            String cublas = CudaLibraryBridge.load("JCublas2-" + VERSION + "-" + PLATFORM, "libcublas.so.12", "libcublas.so.13");
            String nvrtc = CudaLibraryBridge.load("JNvrtc-" + VERSION + "-" + PLATFORM, "libnvrtc.so.12", "libnvrtc.so.13");
            JCublas2.setExceptionsEnabled(true);
            JNvrtc.setExceptionsEnabled(false);
            loaded = List.of(cublas, nvrtc);
            return loaded;
        } catch (IllegalStateException e) {
            failure = e;
            throw e;
        } catch (RuntimeException | LinkageError e) {
            failure = new IllegalStateException("CUDA libraries cannot be loaded: " + firstLine(e), e);
            throw failure;
        }
    }

    /** The first line of a throwable's message: JCuda's load errors append whole nested stack traces. */
    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }

    /** Number of GPUs the driver sees (after {@link #load()}). */
    static int deviceCount() {
        load();
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        return count[0];
    }
}
