package org.sparkmec.engine.data;

import java.awt.Color;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Decodes an image file (PNG, JPEG or anything else {@link ImageIO} reads) into 8-bit pixels, HWC row-major, by
 * the rules of Spark's image data source ({@code spark.read.format("image")}, {@code ImageSchema.decode}) so that
 * training in process and on Spark sees the same bytes:
 *
 * <ul>
 *   <li>a grey image (colour space of type GRAY) has 1 channel: the raster's first sample, cast to a byte;</li>
 *   <li>an image with alpha has 4 channels, any other 3: the pixel's sRGB value ({@code BufferedImage.getRGB},
 *       so palettes and other colour models are converted) split into 8-bit channels.</li>
 * </ul>
 *
 * <p>Channel order: Spark's source stores OpenCV's BGR(A); this class returns RGB(A), the order the Spark side
 * produces after reordering ({@code ImageColumns}), so both give identical tensors. Scaling to {@code b / 255}
 * happens later ({@link Normalization#toUnitRange}).
 */
public final class ImageDecoding {
    private ImageDecoding() {
    }

    /** One decoded image: its size and {@code height x width x channels} bytes, RGB(A) or grey. */
    public record Decoded(int height, int width, int channels, byte[] pixels) {
        /** {@code HxWxC}, for messages. */
        public String shapeText() {
            return height + "x" + width + "x" + channels;
        }
    }

    /**
     * Decodes {@code bytes}, the content of the file {@code origin}.
     *
     * @throws IOException naming {@code origin} if the content is not an image ImageIO can decode
     */
    public static Decoded decode(String origin, byte[] bytes) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException(origin + ": cannot decode the image: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException(origin + ": cannot decode the image: not a format ImageIO reads (PNG, JPEG, GIF, BMP)");
        }
        boolean grey = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        boolean alpha = image.getColorModel().hasAlpha();
        int height = image.getHeight();
        int width = image.getWidth();
        int channels = grey ? 1 : alpha ? 4 : 3;
        byte[] pixels = new byte[Math.multiplyExact(Math.multiplyExact(height, width), channels)];
        int o = 0;
        if (grey) {
            Raster raster = image.getRaster();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    pixels[o++] = (byte) raster.getSample(x, y, 0);
                }
            }
        } else {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    Color c = new Color(image.getRGB(x, y), alpha);
                    pixels[o++] = (byte) c.getRed();
                    pixels[o++] = (byte) c.getGreen();
                    pixels[o++] = (byte) c.getBlue();
                    if (alpha) {
                        pixels[o++] = (byte) c.getAlpha();
                    }
                }
            }
        }
        return new Decoded(height, width, channels, pixels);
    }
}
