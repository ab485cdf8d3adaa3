package org.sparkmec.engine.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a labelled set as the class folders of an image folder ({@link ImageFolder}'s layout): image {@code i}
 * of class {@code c} becomes {@code setDir/<names[c]>/<i, 6 digits>.png}, lossless, so that {@link ImageFolder}
 * and Spark's image source read back the same 8-bit pixels. Used to turn IDX files into a PNG folder (tests, the
 * comparison of IDX and image-folder training).
 *
 * <p>Channels: 1 is written as 8-bit grey, 3 as RGB, 4 as RGBA (non-premultiplied). Every value must be a
 * byte scaled to [0, 1] ({@code b / 255}, as {@link Normalization#toUnitRange} makes them): a set that is
 * normalized already cannot be written.
 */
public final class ImageFolderWriter {
    private ImageFolderWriter() {
    }

    /**
     * Writes {@code set} into {@code setDir} (created if missing); each PNG is written to a temporary name and
     * then renamed, so a file either is complete or is not there.
     *
     * @param classNames the folder name of every class index ({@code set.numClasses()} names)
     * @throws IllegalArgumentException if a value is not {@code b / 255}, the channel count is not 1, 3 or 4, or
     *                                  the names do not match the classes
     * @throws IOException              naming the file that cannot be written
     */
    public static void write(LabeledImages set, Path setDir, List<String> classNames) throws IOException {
        if (classNames.size() != set.numClasses()) {
            throw new IllegalArgumentException(set.name() + " has " + set.numClasses() + " classes, got "
                    + classNames.size() + " class folder names");
        }
        int type = switch (set.channels()) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_3BYTE_BGR;
            case 4 -> BufferedImage.TYPE_4BYTE_ABGR;
            default -> throw new IllegalArgumentException(set.name() + ": images of " + set.channels()
                    + " channels cannot be PNG files; expected 1, 3 or 4");
        };
        for (String name : classNames) {
            Path folder = setDir.resolve(name);
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new IOException(folder + ": cannot create the folder: " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < set.size(); i++) {
            BufferedImage image = new BufferedImage(set.width(), set.height(), type);
            byte[] raster = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            toRaster(set, i, raster);
            Path file = setDir.resolve(classNames.get(set.label(i))).resolve(String.format(Locale.ROOT, "%06d.png", i));
            Path partial = file.resolveSibling(file.getFileName() + ".part");
            try {
                if (!ImageIO.write(image, "png", partial.toFile())) {
                    throw new IOException("no PNG writer in this JVM");
                }
                Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.deleteIfExists(partial);
                throw new IOException(file + ": cannot write the image: " + e.getMessage(), e);
            }
        }
    }

    /** Image {@code i}'s bytes in the raster's order: grey, BGR or ABGR per pixel. */
    private static void toRaster(LabeledImages set, int i, byte[] raster) {
        float[] v = set.image(i);
        int c = set.channels();
        for (int p = 0; p < v.length; p += c) {
            for (int k = 0; k < c; k++) {
                // RGB(A) in the set; the raster stores the channels reversed (BGR, ABGR).
                raster[p + (c == 1 ? 0 : c - 1 - k)] = toByte(set, i, v[p + k]);
            }
        }
    }

    private static byte toByte(LabeledImages set, int i, float value) {
        int b = Math.round(value * Normalization.MAX_PIXEL_VALUE);
        if (b < 0 || b > 255 || b / Normalization.MAX_PIXEL_VALUE != value) {
            throw new IllegalArgumentException(set.name() + ": image " + i + " holds " + value + ", not a byte scaled to "
                    + "[0, 1] (b / 255); only such images can be written as PNG");
        }
        return (byte) b;
    }
}
