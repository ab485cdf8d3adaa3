package org.sparkmec.engine.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The class labels of an image folder, from the names of its class folders ({@code train/<label>/...}).
 *
 * <p>Rule: when every name is a class index written in decimal without leading zeros ({@code 0}, {@code 1},
 * ..., {@code 10}, ...) the label is that number and there are {@code largest + 1} classes (a class without
 * a folder simply has no images); otherwise every name is a class name, and the names sorted in
 * {@link String#compareTo} order (by UTF-16 code unit, so case-sensitive: {@code "Bag" < "bag"}) get the
 * indices 0, 1, 2, .... {@link #names()} gives the name of every index (for index labels, the number itself), so
 * that predictions can be named. Immutable.
 */
public final class ClassFolders implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,8}");

    private final boolean indexed;
    private final TreeMap<String, Integer> indexByName;
    private final List<String> names;

    private ClassFolders(boolean indexed, TreeMap<String, Integer> indexByName, List<String> names) {
        this.indexed = indexed;
        this.indexByName = indexByName;
        this.names = List.copyOf(names);
    }

    /**
     * The labels of the class folders named {@code folderNames} (duplicates count once).
     *
     * @param where the folder that holds them, for the message
     * @throws IllegalArgumentException if there is no name
     */
    public static ClassFolders of(Collection<String> folderNames, String where) {
        TreeSet<String> sorted = new TreeSet<>(folderNames);
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException(where + " has no class folders: expected " + where
                    + "/<label>/<image>.png, where <label> is a class index (0, 1, ...) or a class name");
        }
        boolean indexed = sorted.stream().allMatch(n -> INDEX.matcher(n).matches());
        TreeMap<String, Integer> index = new TreeMap<>();
        List<String> names = new ArrayList<>();
        if (indexed) {
            int largest = sorted.stream().mapToInt(Integer::parseInt).max().orElseThrow();
            for (int i = 0; i <= largest; i++) {
                names.add(Integer.toString(i));
            }
            sorted.forEach(n -> index.put(n, Integer.parseInt(n)));
        } else {
            for (String n : sorted) {
                index.put(n, names.size());
                names.add(n);
            }
        }
        return new ClassFolders(indexed, index, names);
    }

    /** Whether the folders are class indices (else class names, sorted). */
    public boolean indexed() {
        return indexed;
    }

    /** Number of classes: the largest index plus one. */
    public int classCount() {
        return names.size();
    }

    /** The name of every class index, in index order. */
    public List<String> names() {
        return names;
    }

    /** Class folder name to class index. */
    public Map<String, Integer> indexByName() {
        return java.util.Collections.unmodifiableMap(indexByName);
    }

    /**
     * The index of class folder {@code folder}.
     *
     * @param where the folder's path, for the message
     * @throws IllegalArgumentException if the folder is not one of these classes (e.g. a test class the training
     *                                  set lacks)
     */
    public int index(String folder, String where) {
        Integer i = indexByName.get(folder);
        if (i == null) {
            throw new IllegalArgumentException(where + ": class folder '" + folder + "' is not among the training "
                    + "classes " + indexByName.keySet());
        }
        return i;
    }

    @Override
    public String toString() {
        return "ClassFolders[" + (indexed ? "indices " : "names ") + indexByName + "]";
    }
}
