package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTest {
    @TempDir
    Path dir;

    private static LineChart chart(String title) {
        return new LineChart(title, "epoch", List.of(new LineChart.Panel("loss", List.of(
                new LineChart.Series("train", new double[] {1, 2, 3}, new double[] {0.9, 0.5, 0.4})))));
    }

    @Test
    void rendersHeadless() throws IOException {
        chart("headless").writePng(dir.resolve("a.png"));
        assertNotNull(System.getProperty("java.awt.headless"), "the property is set when the caller left it unset");
        assertTrue(GraphicsEnvironment.isHeadless());
    }

    @Test
    void replacesAnExistingFileWholeAndLeavesNoTemporaryFile() throws IOException {
        Path png = dir.resolve("chart.png");
        Files.writeString(png, "an older file");
        chart("replaced").writePng(png);
        ChartImages.assertChart(png, 1);
        assertEquals(List.of("chart.png"), ChartImages.entries(dir));
    }

    @Test
    void aReaderNeverSeesAPartialFile() throws Exception {
        Path png = dir.resolve("chart.png");
        chart("version 0").writePng(png);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> problem = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (writing.get() && problem.get() == null) {
                try {
                    byte[] bytes = Files.readAllBytes(png);
                    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
                    if (image == null || image.getWidth() != Png.WIDTH || image.getHeight() != Png.HEIGHT) {
                        problem.set("read " + bytes.length + " bytes that are not a whole chart");
                    }
                    reads.incrementAndGet();
                } catch (NoSuchFileException e) {
                    problem.set("the chart vanished during a replacement: " + e);
                } catch (IOException e) {
                    problem.set(e.toString());
                }
            }
        });
        reader.start();
        try {
            for (int i = 1; i <= 4; i++) {
                chart("version " + i).writePng(png);
            }
        } finally {
            writing.set(false);
            reader.join();
        }
        assertEquals(null, problem.get());
        assertTrue(reads.get() > 0, "the reader read nothing");
    }

    @Test
    void aFailingChartLeavesTheOldFileAlone() throws IOException {
        Path png = dir.resolve("chart.png");
        Files.writeString(png, "the previous chart");
        IllegalStateException failure = new IllegalStateException("chart failed");
        assertSame(failure, assertThrows(IllegalStateException.class, () -> Png.write(png, () -> {
            throw failure;
        })));
        assertArrayEquals("the previous chart".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(png));
        assertEquals(List.of("chart.png"), ChartImages.entries(dir));
    }

    @Test
    void recognisesTheJdkFontManagerFailures() {
        // What JDK 17 throws on Linux without fonts or libfontconfig (observed), and without libfreetype.
        InternalError noFont = new InternalError(new InvocationTargetException(
                new RuntimeException("Fontconfig head is null, check your fonts or fonts configuration")));
        assertTrue(Png.isMissingFont(noFont));
        assertTrue(Png.isMissingFont(new UnsatisfiedLinkError(
                "/usr/lib/jvm/java-17-openjdk-amd64/lib/libfontmanager.so: libfreetype.so.6: cannot open")));
        assertFalse(Png.isMissingFont(new InternalError("something else")));
        assertFalse(Png.isMissingFont(new UnsatisfiedLinkError("libopenblas.so: cannot open")));
    }
}
