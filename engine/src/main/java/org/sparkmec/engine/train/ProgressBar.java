package org.sparkmec.engine.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * An epoch's progress on a terminal: redrawn in place at most every 200 ms when standard error is a
 * console, else a line every 10%.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean console;
    private final String label;
    private final int total;
    private long lastDraw;
    private int lastDecile = -1;

    ProgressBar(PrintStream out, boolean console, String label, int total) {
        this.out = out;
        this.console = console;
        this.label = label;
        this.total = total;
    }

    void update(int done, double loss, double accuracy, double imagesPerSecond) {
        long now = System.nanoTime();
        int decile = (int) (10L * done / Math.max(1, total));
        boolean last = done == total;
        if (console ? now - lastDraw < 200_000_000L && !last : decile == lastDecile && !last) {
            return;
        }
        lastDraw = now;
        lastDecile = decile;
        int filled = (int) ((long) WIDTH * done / Math.max(1, total));
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        String text = String.format(Locale.ROOT, "%s [%s] %d/%d loss %.4f acc %.2f%% %.0f img/s", label, bar, done, total,
                loss, 100 * accuracy, imagesPerSecond);
        if (console) {
            out.print("\r" + text + (last ? "\n" : ""));
        } else {
            out.println(text);
        }
        out.flush();
    }
}
