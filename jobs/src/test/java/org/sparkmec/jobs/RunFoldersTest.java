package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output-folder rule of {@code ./mec train}, with a stand-in for the trainer that writes and then fails. */
class RunFoldersTest {
    @TempDir
    Path dir;

    /** Runs {@code training} under the rule and returns what it threw. */
    private static IllegalStateException failing(RunFolders folders, Training training) {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> folders.runOrCleanUp(() -> {
            training.write();
            throw boom;
        }));
        assertSame(boom, thrown, "the training's exception goes on");
        return thrown;
    }

    private interface Training {
        void write() throws IOException;
    }

    private static void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, file.getFileName() + "\n");
    }

    @Test
    void aFailureBeforeTheFirstEpochDeletesOnlyWhatTheRunCreated() throws IOException {
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Path notes = existing.resolve("notes.txt");
        write(notes);
        Path out = existing.resolve("runs/lenet");
        Path ckpt = dir.resolve("scratch/ckpt");
        RunFolders folders = RunFolders.claim(out, ckpt, false);
        failing(folders, () -> {
            write(out.resolve("model.conf"));
            Files.createDirectories(ckpt);
        });
        assertTrue(Files.notExists(existing.resolve("runs")), "the folders it created are gone");
        assertTrue(Files.isRegularFile(notes), "a file it did not create stays");
        assertTrue(Files.notExists(dir.resolve("scratch")), "the checkpoint folder it created is gone");

        RunFolders into = RunFolders.claim(existing, existing, false);
        failing(into, () -> {
            write(existing.resolve("model.conf"));
            write(existing.resolve("other.txt"));
        });
        assertTrue(Files.notExists(existing.resolve("model.conf")), "the run file it created is gone");
        assertTrue(Files.isDirectory(existing) && Files.isRegularFile(notes), "the folder that existed stays, with its files");
        assertTrue(Files.isRegularFile(existing.resolve("other.txt")), "only run files are deleted");
    }

    @Test
    void aFailureAfterAnEpochKeepsTheFilesWithoutAFinalModel() throws IOException {
        Path out = dir.resolve("run");
        RunFolders folders = RunFolders.claim(out, out, false);
        failing(folders, () -> {
            write(out.resolve("model.conf"));
            write(out.resolve("metrics.csv"));
            write(out.resolve("checkpoint.ckpt"));
        });
        for (String f : List.of("model.conf", "metrics.csv", "checkpoint.ckpt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " stays for --resume");
        }
        assertTrue(Files.notExists(out.resolve("model.ckpt")));
    }

    /** An epoch finished without a checkpoint (checkpoints every 2 epochs): nothing to resume, so nothing stays. */
    @Test
    void aFailureBeforeTheFirstCheckpointDeletesWhatTheRunCreated() throws IOException {
        Path out = dir.resolve("run");
        failing(RunFolders.claim(out, out, false), () -> {
            write(out.resolve("model.conf"));
            write(out.resolve("metrics.csv"));
        });
        assertTrue(Files.notExists(out), "a folder --resume could not continue is not left behind");
    }

    /**
     * An interruption (the shutdown hook's work) keeps a run with a checkpoint and names it, or deletes what the
     * run created and says that nothing was kept.
     */
    @Test
    void anInterruptionSaysWhatWasKept() throws IOException {
        Path kept = dir.resolve("kept");
        RunFolders withCheckpoint = RunFolders.claim(kept, kept, false);
        write(kept.resolve("model.conf"));
        Files.writeString(kept.resolve("metrics.csv"), "header\nepoch 1\n");
        write(kept.resolve("checkpoint.ckpt"));
        withCheckpoint.stepDone(57);
        assertEquals("interrupted at epoch 2 step 57; checkpoint at " + kept.toAbsolutePath().resolve("checkpoint.ckpt")
                + " (resume with --resume)", withCheckpoint.interrupt());
        assertTrue(Files.isRegularFile(kept.resolve("model.conf")));

        Path lost = dir.resolve("lost");
        RunFolders without = RunFolders.claim(lost, lost, false);
        write(lost.resolve("model.conf"));
        without.stepDone(3);
        assertEquals("interrupted at epoch 1 step 3; no checkpoint yet, nothing was kept (deleted ["
                + lost.toAbsolutePath().resolve("model.conf") + ", " + lost.toAbsolutePath() + "])", without.interrupt());
        assertTrue(Files.notExists(lost));
    }

    @Test
    void aResumedRunThatFailsBeforeAnEpochLeavesTheEarlierRunAsItWas() throws IOException {
        Path out = dir.resolve("run");
        for (String f : List.of("model.conf", "metrics.csv", "checkpoint.ckpt", "model.ckpt")) {
            write(out.resolve(f));
        }
        RunFolders folders = RunFolders.claim(out, out, true);
        failing(folders, () -> write(out.resolve("layer_memory.csv")));
        assertTrue(Files.notExists(out.resolve("layer_memory.csv")), "the file the resumed run created is gone");
        for (String f : List.of("model.conf", "metrics.csv", "checkpoint.ckpt", "model.ckpt")) {
            assertEquals(f + "\n", Files.readString(out.resolve(f)), f);
        }
    }

    @Test
    void aFreshRunRefusesFoldersHoldingAnotherRunsFiles() throws IOException {
        Path out = dir.resolve("run");
        write(out.resolve("metrics.csv"));
        write(out.resolve("model.ckpt"));
        write(out.resolve("notes.txt"));
        String m = assertThrows(IllegalArgumentException.class, () -> RunFolders.claim(out, out, false)).getMessage();
        assertTrue(m.contains("--out " + out.toAbsolutePath() + " already holds a training run's files (metrics.csv, "
                + "model.ckpt)") && m.contains("--resume"), m);
        RunFolders.claim(out, out, true);

        Path fresh = dir.resolve("fresh");
        Path ckpt = dir.resolve("ckpt");
        write(ckpt.resolve("checkpoint.ckpt"));
        String c = assertThrows(IllegalArgumentException.class, () -> RunFolders.claim(fresh, ckpt, false)).getMessage();
        assertTrue(c.contains("--checkpoint-dir " + ckpt.toAbsolutePath() + " already holds") && c.contains("checkpoint.ckpt"),
                c);
        write(dir.resolve("empty/notes.txt"));
        RunFolders.claim(dir.resolve("empty"), dir.resolve("empty"), false);
    }

    /** A folder that cannot be created fails at once, naming it and why, and leaves nothing behind. */
    @Test
    void aFolderThatCannotBeCreatedIsNamed() {
        Path proc = Path.of("/proc/mecout-" + ProcessHandle.current().pid());
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux /proc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunFolders.claim(proc, proc, false));
        assertTrue(e.getMessage().startsWith("--out " + proc + ": cannot create the folder: "), e.getMessage());
        Path out = dir.resolve("fine");
        e = assertThrows(IllegalArgumentException.class, () -> RunFolders.claim(out, proc, false));
        assertTrue(e.getMessage().startsWith("--checkpoint-dir " + proc + ": cannot create the folder: "), e.getMessage());
        assertTrue(Files.notExists(out), "the --out folder it created is deleted again");
    }

    @Test
    void aFolderUnderAFileIsRefused() throws IOException {
        Path file = dir.resolve("file.txt");
        write(file);
        String m = assertThrows(IllegalArgumentException.class,
                () -> RunFolders.claim(dir.resolve("out"), file.resolve("ckpt"), false)).getMessage();
        assertTrue(m.contains("--checkpoint-dir " + file.resolve("ckpt")) && m.contains(file + " is a file, not a folder"),
                m);
    }
}
