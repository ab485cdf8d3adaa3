package org.sparkmec.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output folder appears whole at commit, or not at all; an earlier output is replaced, anything else refused. */
class StagedDirectoryTest {
    private static final Predicate<String> OUTPUT = name -> name.endsWith(".csv");

    @TempDir
    Path dir;

    private List<String> siblings() throws IOException {
        return names(dir);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theTargetAppearsOnlyAtCommit() throws IOException {
        Path out = dir.resolve("out");
        try (StagedDirectory staged = StagedDirectory.create(out, OUTPUT)) {
            AtomicFiles.writeString(staged.path().resolve("a.csv"), "1\n");
            assertFalse(Files.exists(out));
            staged.commit();
            assertThrows(IllegalStateException.class, staged::path);
        }
        assertEquals("1\n", Files.readString(out.resolve("a.csv")));
        assertEquals(List.of("out"), siblings());
    }

    @Test
    void withoutACommitNothingIsLeftAndAnEarlierOutputStays() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("a.csv"), "old\n");
        try (StagedDirectory staged = StagedDirectory.create(out, OUTPUT)) {
            Files.writeString(staged.path().resolve("a.csv"), "partial");
        }
        assertEquals("old\n", Files.readString(out.resolve("a.csv")));
        assertEquals(List.of("out"), siblings());
    }

    @Test
    void aCommitReplacesAnEarlierOutput() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("stale.csv"), "old\n");
        try (StagedDirectory staged = StagedDirectory.create(out, OUTPUT)) {
            Files.writeString(staged.path().resolve("a.csv"), "new\n");
            staged.commit();
        }
        assertEquals(List.of("a.csv"), names(out));
        assertEquals(List.of("out"), siblings());
    }

    @Test
    void aFolderWithOtherFilesOrAFileIsRefusedBeforeAnyWork() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StagedDirectory.create(out, OUTPUT));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains(out.toString()), e.getMessage());
        Path file = Files.writeString(dir.resolve("file"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> StagedDirectory.create(file, OUTPUT));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
        assertTrue(siblings().stream().noneMatch(n -> n.contains(".tmp-")), "no staging folder: " + siblings());
        assertTrue(Files.exists(out.resolve("notes.txt")));
    }
}
