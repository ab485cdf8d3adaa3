package org.sparkmec.engine.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * Reads a layer-set file ({@code conf/layers/*.layers}): one layer per line,
 * {@code name i_h i_w i_c k_h k_w k_c s_h s_w p_h p_w}, whitespace-separated, {@code #} comments.
 */
public final class LayerSetFile {
    private static final String COLUMNS = "name i_h i_w i_c k_h k_w k_c s_h s_w p_h p_w";

    private final Path path;
    private final Map<String, BenchLayer> layers;

    private LayerSetFile(Path path, Map<String, BenchLayer> layers) {
        this.path = path;
        this.layers = layers;
    }

    /**
     * Parses {@code path}.
     *
     * @throws IllegalArgumentException naming the file, line and field on a malformed line, a duplicate
     *                                  name, or a layer whose shape arithmetic fails
     * @throws IOException              if the file cannot be read
     */
    public static LayerSetFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("layer-set file " + path + " does not exist or is not a file");
        }
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        Map<String, BenchLayer> layers = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (content.isEmpty()) {
                continue;
            }
            String where = path + ":" + (i + 1);
            String[] f = content.split("\\s+");
            if (f.length != 11) {
                throw new IllegalArgumentException(where + ": expected 11 fields (" + COLUMNS + "), got " + f.length
                        + " in '" + content + "'");
            }
            int[] v = new int[10];
            String[] names = COLUMNS.split(" ");
            for (int j = 0; j < 10; j++) {
                try {
                    v[j] = Integer.parseInt(f[j + 1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + ": field " + names[j + 1] + " of layer " + f[0]
                            + " must be an integer, got '" + f[j + 1] + "'");
                }
            }
            ConvGeometry g;
            try {
                g = new ConvGeometry(1, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": layer " + f[0] + ": " + e.getMessage(), e);
            }
            if (layers.putIfAbsent(f[0], new BenchLayer(f[0], g)) != null) {
                throw new IllegalArgumentException(where + ": layer " + f[0] + " is defined twice");
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layer-set file " + path + " defines no layers");
        }
        return new LayerSetFile(path, layers);
    }

    /** The file this set was read from. */
    public Path path() {
        return path;
    }

    /** All layers, in file order. */
    public List<BenchLayer> all() {
        return List.copyOf(layers.values());
    }

    /**
     * The named layers, in the order given.
     *
     * @throws IllegalArgumentException naming an unknown layer and the known ones
     */
    public List<BenchLayer> select(List<String> names) {
        List<BenchLayer> out = new ArrayList<>();
        for (String name : names) {
            BenchLayer spec = layers.get(name.trim());
            if (spec == null) {
                throw new IllegalArgumentException("unknown layer '" + name + "' in " + path + "; known layers: "
                        + String.join(",", layers.keySet()));
            }
            out.add(spec);
        }
        return out;
    }
}
