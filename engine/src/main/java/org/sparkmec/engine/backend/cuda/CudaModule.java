package org.sparkmec.engine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;
import jcuda.nvrtc.nvrtcResult;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The project's CUDA kernels ({@code mec_kernels.cu} and {@code mec_fused.cu}, class-path resources
 * compiled as one source), compiled at run time by
 * NVRTC for the GPU's architecture and loaded as a module; nothing is needed at build time and users
 * need no nvcc.
 *
 * <p>{@link #launch} runs a kernel over {@code workItems} threads: 1-D blocks of {@value #BLOCK}
 * threads, at most {@value #MAX_BLOCKS} blocks, so kernels loop with a grid stride. Arguments map to
 * kernel parameters in order: a {@link FloatStorage} of this backend to {@code float*} (its first
 * float), a {@link Slice} to {@code float*} at an offset, {@code null} to a null {@code float*},
 * {@link Integer} to {@code int}, {@link Long} to {@code long long}, {@link Float} to {@code float},
 * {@link Double} to {@code double}. Launches are asynchronous on the legacy default stream.
 */
final class CudaModule implements AutoCloseable {
    static final String SOURCE = "mec_kernels.cu";
    /** Sources compiled after {@link #SOURCE}, in order, as one translation unit. */
    static final String[] MORE_SOURCES = {"mec_fused.cu"};
    static final int BLOCK = 256;
    static final int MAX_BLOCKS = 65_535 * 4;

    /** A {@code float*} argument {@code offset} floats into a device storage. */
    record Slice(FloatStorage storage, long offset) {
    }

    private final CudaDevice device;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    /** The dynamic shared memory each kernel has been allowed (cuFuncSetAttribute), in bytes. */
    private final Map<String, Integer> sharedAllowed = new ConcurrentHashMap<>();
    private final String architecture;
    private boolean closed;

    CudaModule(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        this.architecture = architectureFor(device.computeMajor() * 10 + device.computeMinor());
        String ptx = compile(source(), architecture);
        JCudaDriver.cuModuleLoadData(module, ptx);
    }

    /** The virtual architecture NVRTC compiles for: the GPU's, or the newest NVRTC knows below it. */
    private static String architectureFor(int computeCapability) {
        int[] count = new int[1];
        check(JNvrtc.nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs");
        int[] archs = new int[count[0]];
        check(JNvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs");
        int best = -1;
        for (int a : archs) {
            if (a <= computeCapability) {
                best = Math.max(best, a);
            }
        }
        if (best < 0) {
            throw new IllegalStateException("NVRTC supports architectures " + Arrays.toString(archs)
                    + ", none at or below this GPU's compute capability " + computeCapability);
        }
        return "compute_" + best;
    }

    private static String source() {
        StringBuilder all = new StringBuilder(resource(SOURCE));
        for (String more : MORE_SOURCES) {
            all.append('\n').append(resource(more));
        }
        return all.toString();
    }

    private static String resource(String name) {
        try (InputStream in = CudaModule.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the engine jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String compile(String source, String architecture) {
        nvrtcProgram program = new nvrtcProgram();
        check(JNvrtc.nvrtcCreateProgram(program, source, SOURCE, 0, null, null), "nvrtcCreateProgram");
        try {
            String[] options = {"--gpu-architecture=" + architecture, "--std=c++14"};
            int result = JNvrtc.nvrtcCompileProgram(program, options.length, options);
            if (result != nvrtcResult.NVRTC_SUCCESS) {
                String[] log = new String[1];
                JNvrtc.nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC could not compile " + SOURCE + " for " + architecture + " ("
                        + nvrtcResult.stringFor(result) + "):\n" + log[0]);
            }
            String[] ptx = new String[1];
            check(JNvrtc.nvrtcGetPTX(program, ptx), "nvrtcGetPTX");
            return ptx[0];
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static void check(int result, String call) {
        if (result != nvrtcResult.NVRTC_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + nvrtcResult.stringFor(result));
        }
    }

    String architecture() {
        return architecture;
    }

    /** Launches {@code kernel} over {@code workItems} threads (nothing when 0); see the class comment. */
    void launch(String kernel, long workItems, Object... args) {
        if (workItems <= 0) {
            return;
        }
        long blocks = Math.min(MAX_BLOCKS, (workItems + BLOCK - 1) / BLOCK);
        launchBlocks(kernel, (int) blocks, BLOCK, args);
    }

    /** Launches {@code kernel} with an explicit 1-D grid (kernels that use a block per row, say). */
    void launchBlocks(String kernel, int blocks, int threadsPerBlock, Object... args) {
        launchGrid(kernel, blocks, 1, 1, threadsPerBlock, args);
    }

    /** Launches {@code kernel} on a {@code x * y * z} grid of 1-D blocks (the tiled GEMM kernels). */
    void launchGrid(String kernel, int x, int y, int z, int threadsPerBlock, Object... args) {
        launchGrid(kernel, x, y, z, threadsPerBlock, 0, args);
    }

    /**
     * Launches {@code kernel} on a {@code x * y * z} grid of 1-D blocks with {@code sharedBytes} bytes of dynamic
     * shared memory per block (the kernel's {@code extern __shared__} array; above 48 KiB the kernel is allowed that
     * much first).
     */
    void launchGrid(String kernel, int x, int y, int z, int threadsPerBlock, int sharedBytes, Object... args) {
        CUfunction f = function(kernel, sharedBytes);
        NativePointerObject[] params = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = parameter(args[i]);
        }
        JCudaDriver.cuLaunchKernel(f, x, y, z, threadsPerBlock, 1, 1, sharedBytes, null, Pointer.to(params), null);
    }

    /**
     * How many blocks of {@code threadsPerBlock} threads of {@code kernel}, each with {@code sharedBytes} bytes of
     * dynamic shared memory, one multiprocessor holds at once (the driver's occupancy calculator: registers, shared
     * memory and thread limits of the compiled kernel on this GPU). Depends on the kernel and the GPU only.
     */
    int residentBlocksPerMultiprocessor(String kernel, int threadsPerBlock, int sharedBytes) {
        int[] blocks = new int[1];
        JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks, function(kernel, sharedBytes), threadsPerBlock,
                sharedBytes);
        return blocks[0];
    }

    /** {@code kernel}, allowed at least {@code sharedBytes} bytes of dynamic shared memory per block. */
    private CUfunction function(String kernel, int sharedBytes) {
        CUfunction f = function(kernel);
        if (sharedBytes > 0 && sharedAllowed.getOrDefault(kernel, 0) < sharedBytes) {
            JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    sharedBytes);
            sharedAllowed.merge(kernel, sharedBytes, Math::max);
        }
        return f;
    }

    private CUfunction function(String kernel) {
        if (closed) {
            throw new IllegalStateException("the CUDA kernel module is closed");
        }
        device.makeCurrent();
        return functions.computeIfAbsent(kernel, name -> {
            CUfunction fn = new CUfunction();
            JCudaDriver.cuModuleGetFunction(fn, module, name);
            return fn;
        });
    }

    private static Pointer parameter(Object arg) {
        if (arg == null) {
            return Pointer.to(new CUdeviceptr());
        }
        if (arg instanceof FloatStorage s) {
            return Pointer.to(DeviceFloatStorage.of(s).at(0));
        }
        if (arg instanceof Slice s) {
            return Pointer.to(DeviceFloatStorage.of(s.storage()).at(s.offset()));
        }
        if (arg instanceof Integer v) {
            return Pointer.to(new int[] {v});
        }
        if (arg instanceof Long v) {
            return Pointer.to(new long[] {v});
        }
        if (arg instanceof Float v) {
            return Pointer.to(new float[] {v});
        }
        if (arg instanceof Double v) {
            return Pointer.to(new double[] {v});
        }
        throw new IllegalArgumentException("unsupported kernel argument " + arg.getClass().getName());
    }

    /** Unloads the module. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            device.makeCurrent();
            JCudaDriver.cuModuleUnload(module);
            closed = true;
        }
    }
}
