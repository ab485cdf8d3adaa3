package org.sparkmec.engine.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites which versioned shared library an ELF64 (x86-64, little-endian) JNI library links against,
 * when the old and the new name have the same length: {@code libcublas.so.12} to {@code libcublas.so.13}.
 *
 * <p>What changes: every occurrence of the old name in the dynamic string table (so {@code DT_NEEDED}
 * and the version-needed entries now name the new library and its version node) and the
 * {@code vna_hash} of every version-needed auxiliary entry whose name is the new name (the dynamic
 * linker compares it with the hash of the version the library defines). Nothing moves; every other byte
 * stays as it was. cuBLAS 13 and NVRTC 13 define the version nodes {@code libcublas.so.13} and
 * {@code libnvrtc.so.13}, so every versioned symbol resolves (docs/design.md, "the CUDA 13 bridge").
 */
final class ElfSonamePatch {
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;

    private ElfSonamePatch() {
    }

    /**
     * Returns a patched copy of {@code elf}.
     *
     * @throws IllegalArgumentException if the names differ in length, the file is not a little-endian
     *                                  ELF64 with a version-needed section, or the old name is not in it
     */
    static byte[] patch(byte[] elf, String oldName, String newName) {
        if (oldName.length() != newName.length()) {
            throw new IllegalArgumentException("cannot replace " + oldName + " by " + newName + ": names of different length");
        }
        byte[] bytes = elf.clone();
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Sections sections = Sections.of(buf);
        int replaced = replaceAll(bytes, sections.dynstr(), sections.dynstrSize(), terminated(oldName), terminated(newName));
        if (replaced == 0) {
            throw new IllegalArgumentException(oldName + " does not occur in the dynamic string table");
        }
        int newHash = elfHash(newName);
        for (int aux : sections.versionsNamed(buf, newName)) {
            buf.putInt(aux, newHash);
        }
        return bytes;
    }

    /**
     * Where the version-needed entries and the dynamic string table they name lie (file offsets).
     *
     * @param verneed offset of the {@code .gnu.version_r} section's header
     */
    private record Sections(int verneed, int dynstr, int dynstrSize) {

        static Sections of(ByteBuffer buf) {
            if (buf.capacity() < 64 || buf.getInt(0) != 0x464c457f || buf.get(4) != 2 || buf.get(5) != 1) {
                throw new IllegalArgumentException("not a little-endian ELF64 file");
            }
            long shoff = buf.getLong(0x28);
            int shentsize = Short.toUnsignedInt(buf.getShort(0x3A));
            int shnum = Short.toUnsignedInt(buf.getShort(0x3C));
            for (int i = 0; i < shnum; i++) {
                int sh = Math.toIntExact(shoff + (long) i * shentsize);
                if (buf.getInt(sh + 4) == SHT_GNU_VERNEED) {
                    int dynstrHeader = Math.toIntExact(shoff + (long) buf.getInt(sh + 40) * shentsize);
                    return new Sections(sh, Math.toIntExact(buf.getLong(dynstrHeader + 24)),
                            Math.toIntExact(buf.getLong(dynstrHeader + 32)));
                }
            }
            throw new IllegalArgumentException("no .gnu.version_r section (version-needed entries)");
        }

        /** Offsets of the version-needed auxiliary entries ({@code Elf64_Vernaux}) whose name is {@code name}. */
        List<Integer> versionsNamed(ByteBuffer buf, String name) {
            List<Integer> found = new ArrayList<>();
            int at = Math.toIntExact(buf.getLong(verneed + 24));
            int entries = buf.getInt(verneed + 44);
            for (int e = 0; e < entries; e++) {
                int count = Short.toUnsignedInt(buf.getShort(at + 2));
                int aux = at + buf.getInt(at + 8);
                for (int a = 0; a < count; a++) {
                    if (name.equals(string(buf.array(), dynstr + buf.getInt(aux + 8)))) {
                        found.add(aux);
                    }
                    aux += buf.getInt(aux + 12);
                }
                at += buf.getInt(at + 12);
            }
            return found;
        }
    }

    /** The System V ELF hash of a symbol-version name ({@code vna_hash}). */
    static int elfHash(String name) {
        long h = 0;
        for (byte b : name.getBytes(StandardCharsets.US_ASCII)) {
            h = ((h << 4) + (b & 0xff)) & 0xffffffffL;
            long g = h & 0xf0000000L;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g & 0xffffffffL;
        }
        return (int) h;
    }

    /** The dynamic string table ({@code .dynstr}, which the dynamic linker reads) as text (tests). */
    static String dynamicStrings(byte[] elf) {
        Sections sections = Sections.of(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
        return new String(elf, sections.dynstr(), sections.dynstrSize(), StandardCharsets.ISO_8859_1);
    }

    /** The {@code vna_hash} values of the version-needed entries named {@code name} (tests). */
    static int[] versionHashes(byte[] elf, String name) {
        ByteBuffer buf = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        return Sections.of(buf).versionsNamed(buf, name).stream().mapToInt(buf::getInt).toArray();
    }

    private static byte[] terminated(String s) {
        byte[] b = Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), s.length() + 1);
        b[s.length()] = 0;
        return b;
    }

    private static int replaceAll(byte[] bytes, int from, int size, byte[] old, byte[] replacement) {
        int count = 0;
        for (int i = from; i + old.length <= from + size; i++) {
            if (Arrays.equals(bytes, i, i + old.length, old, 0, old.length)) {
                System.arraycopy(replacement, 0, bytes, i, replacement.length);
                count++;
            }
        }
        return count;
    }

    private static String string(byte[] bytes, int at) {
        int end = at;
        while (bytes[end] != 0) {
            end++;
        }
        return new String(bytes, at, end - at, StandardCharsets.US_ASCII);
    }
}
