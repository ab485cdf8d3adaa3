package org.sparkmec.engine.backend.cuda;

import java.lang.reflect.Method;
import jcuda.NativePointerObject;
import jcuda.driver.CUdeviceptr;

/**
 * Raw addresses of device allocations, which cuBLAS's pointer-array GEMMs need on the device. JCuda
 * exposes a pointer's address only through the protected {@code NativePointerObject.getNativePointer()};
 * it is read by reflection (JCuda is on the class path, so the access is allowed).
 */
final class DeviceAddresses {
    private static final Method GET = accessor();

    private DeviceAddresses() {
    }

    private static Method accessor() {
        try {
            Method m = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read device addresses from this JCuda version: " + e, e);
        }
    }

    /** The address of a block from {@code cuMemAlloc} (no byte offset). */
    static long of(CUdeviceptr block) {
        try {
            return (long) GET.invoke(block);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read a device address: " + e, e);
        }
    }
}
