package org.sparkmec.jobs.charts;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jfree.chart.JFreeChart;
import org.sparkmec.engine.io.AtomicFiles;

/**
 * Renders a chart off-screen to a PNG of {@value #WIDTH} x {@value #HEIGHT} pixels (RGB, no alpha) and
 * writes it with {@link AtomicFiles}: to a temporary file in the target's folder, forced to disk, then
 * renamed over the target, so that no half-written PNG is ever visible and nothing else is left there.
 */
final class Png {
    /** Width of every chart, pixels. */
    static final int WIDTH = 1000;
    /** Height of every chart, pixels. */
    static final int HEIGHT = 600;

    private static final String HEADLESS = "java.awt.headless";

    private Png() {
    }

    /**
     * Builds the chart and writes it to {@code target}, creating missing parent folders.
     *
     * <p>Before the chart is built, sets {@code java.awt.headless=true} unless the JVM was started with a
     * value for it (a display is neither needed nor used; a caller's explicit value is left alone, and
     * off-screen rendering works either way). The property only counts before AWT's first use in the JVM.
     *
     * @param chart builds the chart; called once, after the headless property is set
     * @throws IOException when the file cannot be written, or when Java2D cannot render text because the
     *                     JDK finds no font (the message says what to install)
     */
    static void write(Path target, Supplier<JFreeChart> chart) throws IOException {
        if (System.getProperty(HEADLESS) == null) {
            System.setProperty(HEADLESS, "true");
        }
        BufferedImage image = render(chart);
        AtomicFiles.write(target, out -> {
            try (ImageOutputStream png = new MemoryCacheImageOutputStream(out)) {
                if (!ImageIO.write(image, "png", png)) {
                    throw new IOException("this JDK has no PNG image writer (javax.imageio)");
                }
            }
        });
    }

    private static BufferedImage render(Supplier<JFreeChart> chart) throws IOException {
        try {
            return chart.get().createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null);
        } catch (InternalError | UnsatisfiedLinkError e) {
            if (!isMissingFont(e)) {
                throw e;
            }
            throw new IOException("cannot render the chart's text: the JDK's font manager found no font or could not"
                    + " load (" + e + "). It needs fontconfig, FreeType and one font; on Debian"
                    + " 'apt-get install fontconfig fonts-dejavu-core libfreetype6' (openjdk-17-jre-headless"
                    + " depends on them)", e);
        }
    }

    /**
     * Whether {@code e} is how JDK 17's font manager fails on Linux without fonts: an {@link InternalError}
     * caused by "Fontconfig head is null" (no font, or no libfontconfig), or an {@link UnsatisfiedLinkError}
     * of {@code libfontmanager.so} (no libfreetype).
     */
    static boolean isMissingFont(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("Fontconfig head is null")
                    || (t instanceof UnsatisfiedLinkError && message.contains("libfontmanager"))) {
                return true;
            }
        }
        return false;
    }
}
