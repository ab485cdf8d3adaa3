package org.sparkmec.engine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one of JCuda's JNI libraries that links a CUDA 12 library ({@code libcublas.so.12},
 * {@code libnvrtc.so.12}), and bridges it to CUDA 13 when only that is installed.
 *
 * <p>First the library is loaded as shipped. Only if that fails because the CUDA 12 library is missing
 * is it patched ({@link ElfSonamePatch}: same-length name, version hash) to link the CUDA 13 library,
 * and the bridge is logged. Either way the file is written where JCuda's own loader looks for it
 * ({@code java.io.tmpdir/lib<name>.so}; temp file then atomic rename) and loaded from there, so JCuda's
 * later {@code System.load} of the same path is a no-op and exactly one copy is loaded. Machines with
 * CUDA 12 need nothing and get the library unchanged.
 */
final class CudaLibraryBridge {
    private static final Logger LOG = LoggerFactory.getLogger(CudaLibraryBridge.class);

    private CudaLibraryBridge() {
    }

    /**
     * Loads {@code lib<library>.so} from JCuda's natives jar.
     *
     * @param library       JCuda's name, e.g. {@code JCublas2-12.6.0-linux-x86_64}
     * @param cuda12Library the CUDA 12 library it links, e.g. {@code libcublas.so.12}
     * @param cuda13Library the same-length CUDA 13 name, e.g. {@code libcublas.so.13}
     * @return how it was loaded, for the backend's description
     * @throws UnsatisfiedLinkError naming both libraries when neither CUDA 12 nor CUDA 13 one loads
     */
    static String load(String library, String cuda12Library, String cuda13Library) {
        String fileName = "lib" + library + ".so";
        byte[] shipped = resource("/lib/" + fileName);
        Path target = Paths.get(System.getProperty("java.io.tmpdir"), fileName);
        try {
            writeIfDifferent(target, shipped);
            System.load(target.toString());
            return fileName + " as shipped (" + cuda12Library + ")";
        } catch (UnsatisfiedLinkError asShipped) {
            if (!String.valueOf(asShipped.getMessage()).contains(cuda12Library)) {
                throw asShipped;
            }
            LOG.info("{} is not installed: bridging {} to {} (patched copy at {})", cuda12Library, fileName,
                    cuda13Library, target);
            writeIfDifferent(target, ElfSonamePatch.patch(shipped, cuda12Library, cuda13Library));
            try {
                System.load(target.toString());
            } catch (UnsatisfiedLinkError bridged) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError("neither " + cuda12Library + " nor " + cuda13Library
                        + " can be loaded (CUDA 12: " + asShipped.getMessage() + "; CUDA 13: " + bridged.getMessage() + ")");
                e.initCause(bridged);
                throw e;
            }
            return fileName + " bridged from " + cuda12Library + " to " + cuda13Library;
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = CudaLibraryBridge.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new UnsatisfiedLinkError(name + " is not on the class path (JCuda's linux-x86_64 natives jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name + " from JCuda's natives jar", e);
        }
    }

    /** Writes {@code bytes} to {@code target} through a temp file and an atomic rename, unless already equal. */
    private static void writeIfDifferent(Path target, byte[] bytes) {
        try {
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                return;
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the JNI library " + target + " (java.io.tmpdir must be writable)", e);
        }
    }
}
