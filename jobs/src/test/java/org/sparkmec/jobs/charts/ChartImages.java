package org.sparkmec.jobs.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Checks on the PNG files the charts write. */
final class ChartImages {
    private ChartImages() {
    }

    /**
     * Reads {@code png} back and checks that it is a PNG of the charts' size whose background is white, that
     * at least 2% of its pixels are drawn (not background) and that the first {@code seriesCount} series
     * colours appear in it (the data was drawn, not only the axes).
     */
    static BufferedImage assertChart(Path png, int seriesCount) throws IOException {
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(Arrays.equals(signature, Arrays.copyOf(bytes, 8)), png + " does not start with the PNG signature");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " is not an image ImageIO can read");
        assertEquals(Png.WIDTH, image.getWidth(), "width of " + png);
        assertEquals(Png.HEIGHT, image.getHeight(), "height of " + png);
        int background = image.getRGB(0, 0);
        assertEquals(Color.WHITE.getRGB(), background, "background of " + png);
        long drawn = 0;
        boolean[] seriesSeen = new boolean[seriesCount];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                drawn += rgb != background ? 1 : 0;
                for (int s = 0; s < seriesCount; s++) {
                    seriesSeen[s] |= rgb == ChartStyle.color(s).getRGB();
                }
            }
        }
        long pixels = (long) image.getWidth() * image.getHeight();
        assertTrue(drawn > pixels / 50, png + " is almost blank: " + drawn + " of " + pixels + " pixels drawn");
        for (int s = 0; s < seriesCount; s++) {
            assertTrue(seriesSeen[s], png + " has no pixel of series " + s + "'s colour " + ChartStyle.color(s));
        }
        return image;
    }

    /** The names of the entries of {@code dir}, sorted: no temporary file may be left beside the charts. */
    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
