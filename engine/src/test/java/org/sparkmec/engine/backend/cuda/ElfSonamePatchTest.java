package org.sparkmec.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The CUDA 12 to 13 bridge on JCuda's real JNI libraries (from the natives jars on the class path; no
 * GPU needed): the hash function reproduces the linker's {@code vna_hash} of the shipped file, the patch
 * renames the library and its version node and sets the new hash, and changes nothing else.
 */
class ElfSonamePatchTest {

    private static byte[] shipped(String library) throws IOException {
        try (InputStream in = ElfSonamePatchTest.class.getResourceAsStream("/lib/lib" + library + "-12.6.0-linux-x86_64.so")) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @CsvSource({"JCublas2, libcublas.so.12, libcublas.so.13", "JNvrtc, libnvrtc.so.12, libnvrtc.so.13"})
    void patchRenamesTheLibraryAndItsVersionNode(String library, String cuda12, String cuda13) throws IOException {
        byte[] original = shipped(library);
        int[] shippedHashes = ElfSonamePatch.versionHashes(original, cuda12);
        assertTrue(shippedHashes.length >= 1, library + " needs version " + cuda12);
        for (int h : shippedHashes) {
            assertEquals(h, ElfSonamePatch.elfHash(cuda12), "our ELF hash must equal the linker's for " + cuda12);
        }
        byte[] patched = ElfSonamePatch.patch(original, cuda12, cuda13);
        assertEquals(original.length, patched.length);
        assertEquals(0, ElfSonamePatch.versionHashes(patched, cuda12).length, "no reference to " + cuda12 + " is left");
        int[] newHashes = ElfSonamePatch.versionHashes(patched, cuda13);
        assertEquals(shippedHashes.length, newHashes.length);
        for (int h : newHashes) {
            assertEquals(ElfSonamePatch.elfHash(cuda13), h);
        }
        assertTrue(ElfSonamePatch.dynamicStrings(original).contains(cuda12 + "\0"));
        assertFalse(ElfSonamePatch.dynamicStrings(patched).contains(cuda12 + "\0"), cuda12 + " is still in .dynstr");
        assertTrue(ElfSonamePatch.dynamicStrings(patched).contains(cuda13 + "\0"));
        int changed = 0;
        for (int i = 0; i < original.length; i++) {
            changed += original[i] != patched[i] ? 1 : 0;
        }
        // One digit per occurrence of the name plus at most 4 bytes per version hash.
        assertTrue(changed <= 8 + 4 * newHashes.length, "bytes changed: " + changed + " (a digit per occurrence of the name, 4 per hash)");
        assertArrayEquals(patched, ElfSonamePatch.patch(original, cuda12, cuda13), "the patch is deterministic");
    }

    @Test
    void knownHashAndBadInputs() {
        // "a": h = 0x61; "ab": (0x61 << 4) + 0x62 = 0x672
        assertEquals(0x61, ElfSonamePatch.elfHash("a"));
        assertEquals(0x672, ElfSonamePatch.elfHash("ab"));
        assertThrows(IllegalArgumentException.class, () -> ElfSonamePatch.patch(new byte[100], "x.so.1", "x.so.2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElfSonamePatch.patch(new byte[100], "libx.so.12", "libx.so.1"));
        assertTrue(e.getMessage().contains("different length"), e.getMessage());
    }
}
