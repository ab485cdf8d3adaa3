package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConvAutoTable}: a decision is measured once and then reused, in the JVM and by other processes. */
class ConvAutoTableTest {
    private static final String KEY = "CPU: test backend\tconv[n=32 in=9x9x3 k=3x3x4 s=1x1 p=0x0 out=7x7]\t268435456";

    @TempDir
    Path dir;

    private static ConvAutoTable.Decision decision(ConvAlgorithm a) {
        return new ConvAutoTable.Decision(a, 1.5, 2.5, Instant.parse("2026-12-04T18:00:00Z"), "test");
    }

    @Test
    void aDecisionIsMeasuredOnceAndWrittenToTheFile() throws IOException {
        Path file = dir.resolve("sub/conv-auto.tsv");
        ConvAutoTable table = ConvAutoTable.file(file);
        AtomicInteger measured = new AtomicInteger();
        ConvAutoTable.Decision first = table.decide(KEY, () -> {
            measured.incrementAndGet();
            return decision(ConvAlgorithm.IM2COL);
        });
        ConvAutoTable.Decision second = table.decide(KEY, () -> {
            measured.incrementAndGet();
            return decision(ConvAlgorithm.MEC);
        });
        assertEquals(1, measured.get());
        assertEquals(ConvAlgorithm.IM2COL, first.algorithm());
        assertEquals("measured now", first.source());
        assertEquals(ConvAlgorithm.IM2COL, second.algorithm());
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size(), "header and one decision: " + lines);
        assertEquals(KEY + "\tim2col\t1.5000\t2.5000\t2026-12-04T18:00:00Z", lines.get(1));
    }

    @Test
    void aDecisionInTheFileIsUsedWithoutMeasuringAndBadLinesAreIgnored() throws IOException {
        Path file = dir.resolve("conv-auto.tsv");
        Files.write(file, List.of("# comment", "not a decision", KEY.replace("n=32", "n=8") + "\tdirect\t1\t1\t2026-12-04T18:00:00Z",
                KEY + "\tim2col\t3.0\t2.0\t2026-12-01T10:00:00Z"), StandardCharsets.UTF_8);
        ConvAutoTable.Decision d = ConvAutoTable.file(file).decide(KEY, () -> {
            throw new AssertionError("measured although the file has the decision");
        });
        assertEquals(ConvAlgorithm.IM2COL, d.algorithm());
        assertEquals(file.toAbsolutePath().normalize().toString(), d.source());
        assertEquals(3.0, d.mecMillis());
    }

    @Test
    void anUnusableFileLeavesTheDecisionsInMemory() throws IOException {
        Path notAFolder = dir.resolve("plain-file");
        Files.writeString(notAFolder, "x");
        ConvAutoTable table = ConvAutoTable.file(notAFolder.resolve("conv-auto.tsv"));
        AtomicInteger measured = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertEquals(ConvAlgorithm.MEC, table.decide(KEY, () -> {
                measured.incrementAndGet();
                return decision(ConvAlgorithm.MEC);
            }).algorithm());
        }
        assertEquals(1, measured.get());
    }

    @Test
    void threadsNeedingTheSameDecisionMeasureOnce() throws Exception {
        ConvAutoTable table = ConvAutoTable.file(dir.resolve("threads.tsv"));
        AtomicInteger measured = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<ConvAlgorithm>> results = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                ConvAlgorithm mine = t % 2 == 0 ? ConvAlgorithm.MEC : ConvAlgorithm.IM2COL;
                results.add(pool.submit(() -> {
                    start.await();
                    return table.decide(KEY, () -> {
                        measured.incrementAndGet();
                        return decision(mine);
                    }).algorithm();
                }));
            }
            start.countDown();
            ConvAlgorithm first = results.get(0).get(30, TimeUnit.SECONDS);
            for (Future<ConvAlgorithm> r : results) {
                assertEquals(first, r.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, measured.get());
    }

    /**
     * Two processes that need the same decision at the same time: one measures and writes, the other waits for the
     * file's lock and reads it, although each would have measured a different algorithm; a third process later
     * reads it too.
     */
    @Test
    void processesSharingTheFileAgree() throws Exception {
        Path file = dir.resolve("shared.tsv");
        Process a = child(file, "mec");
        Process b = child(file, "im2col");
        String outA = output(a);
        String outB = output(b);
        String algA = outA.split(" ")[0];
        assertEquals(algA, outB.split(" ")[0], "both processes use one decision: " + outA + " / " + outB);
        int measuredNow = (outA.contains("measured now") ? 1 : 0) + (outB.contains("measured now") ? 1 : 0);
        assertEquals(1, measuredNow, "exactly one process measured: " + outA + " / " + outB);
        String later = output(child(file, algA.equals("mec") ? "im2col" : "mec"));
        assertEquals(algA, later.split(" ")[0]);
        assertTrue(later.contains(file.toString()), later);
    }

    private static Process child(Path file, String measures) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildProcess.class.getName(),
                file.toString(), KEY, measures).redirectErrorStream(true).start();
    }

    private static String output(Process p) throws Exception {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child process did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /** A separate process: decides {@code key} in table {@code file}, measuring {@code algorithm} slowly. */
    public static final class ChildProcess {
        public static void main(String[] args) {
            ConvAlgorithm measures = ConvAlgorithm.parse(args[2]);
            ConvAutoTable.Decision d = ConvAutoTable.file(Path.of(args[0])).decide(args[1], () -> {
                try {
                    Thread.sleep(1500); // long enough for the other process to be waiting for the lock
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return decision(measures);
            });
            System.out.println(d.algorithm().configName() + " " + d.source());
        }
    }

    @Test
    void inMemoryHasNoFile() {
        assertNull(ConvAutoTable.inMemory().path());
    }
}
