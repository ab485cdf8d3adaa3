package org.sparkmec.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The layer sets of a folder ({@code conf/layers}: one {@code NAME.layers} file per set, format in
 * {@link LayerSetFile}) and selections over them.
 *
 * <p>A selection is a list of items, each one of:
 * <ul>
 *   <li>a set name, e.g. {@code cv}: every layer of {@code NAME.layers}, in file order;</li>
 *   <li>a layer name from any set of the folder, e.g. {@code cv5}: layer names are unique across the
 *       folder (a name defined in two sets is an error when the folder is read);</li>
 *   <li>the path of a layer-set file ending in {@value #EXTENSION}: every layer of that file (which need not
 *       be in the folder).</li>
 * </ul>
 * Layers come out in the order given; a layer selected twice runs once, at its first place.
 */
public final class LayerSets {
    /** The file-name ending of a layer set. */
    public static final String EXTENSION = ".layers";

    private final Path dir;
    private final Map<String, LayerSetFile> sets;
    private final Map<String, BenchLayer> layers;

    private LayerSets(Path dir, Map<String, LayerSetFile> sets, Map<String, BenchLayer> layers) {
        this.dir = dir;
        this.sets = sets;
        this.layers = layers;
    }

    /**
     * Reads every {@value #EXTENSION} file of {@code dir}; a missing folder holds no sets.
     *
     * @throws IllegalArgumentException on a malformed file (see {@link LayerSetFile#read}) or a layer name
     *                                  defined in two sets, naming both files
     * @throws IOException              if the folder or a file cannot be read
     */
    public static LayerSets read(Path dir) throws IOException {
        Map<String, LayerSetFile> sets = new TreeMap<>();
        Map<String, BenchLayer> layers = new LinkedHashMap<>();
        Map<String, Path> definedIn = new LinkedHashMap<>();
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(EXTENSION)).sorted().toList();
            }
            for (Path file : files) {
                String name = file.getFileName().toString();
                LayerSetFile set = LayerSetFile.read(file);
                sets.put(name.substring(0, name.length() - EXTENSION.length()), set);
                for (BenchLayer layer : set.all()) {
                    Path other = definedIn.putIfAbsent(layer.name(), file);
                    if (other != null) {
                        throw new IllegalArgumentException("layer " + layer.name() + " is defined in both " + other
                                + " and " + file + "; layer names must be unique across " + dir);
                    }
                    layers.put(layer.name(), layer);
                }
            }
        }
        return new LayerSets(dir, sets, layers);
    }

    /**
     * The layers of {@code items} (see the class comment), in the order given, each once.
     *
     * @throws IllegalArgumentException in one line: an unknown item with the known set and layer names, or a
     *                                  missing or malformed layer-set file
     * @throws IOException              if a layer-set file cannot be read
     */
    public List<BenchLayer> select(List<String> items) throws IOException {
        Map<String, BenchLayer> selected = new LinkedHashMap<>();
        for (String raw : items) {
            String item = raw.trim();
            List<BenchLayer> found;
            if (sets.containsKey(item)) {
                found = sets.get(item).all();
            } else if (layers.containsKey(item)) {
                found = List.of(layers.get(item));
            } else if (item.endsWith(EXTENSION)) {
                found = LayerSetFile.read(Path.of(item)).all();
            } else {
                throw new IllegalArgumentException("unknown layer or layer set '" + item + "' (layer sets in " + dir
                        + ": " + (sets.isEmpty() ? "none" : String.join(", ", sets.keySet())) + "; layers: "
                        + (layers.isEmpty() ? "none" : String.join(",", layers.keySet())) + "; or a path to a "
                        + EXTENSION + " file)");
            }
            found.forEach(layer -> selected.putIfAbsent(layer.name(), layer));
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("no layers selected; layer sets in " + dir + ": "
                    + String.join(", ", sets.keySet()));
        }
        return new ArrayList<>(selected.values());
    }

    /** The set names of the folder, sorted. */
    public List<String> setNames() {
        return List.copyOf(sets.keySet());
    }
}
