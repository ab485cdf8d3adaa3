package org.sparkmec.engine.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph of a model's layers: which layers each layer reads (by name; {@value ModelKeys#MODEL_INPUT} is the
 * model's input), resolved from the declared inputs (none declared: the previous layer in the list, or the input
 * for the first), checked, and put in an order where every layer follows its inputs (the list order wherever it
 * allows). Every violation is a {@link SpecViolation} at the layer's position and its {@code inputs} field.
 */
final class ModelGraph {
    private final List<List<String>> inputs;
    private final int[][] inputIndices;
    private final int[] order;

    private ModelGraph(List<List<String>> inputs, int[][] inputIndices, int[] order) {
        this.inputs = inputs;
        this.inputIndices = inputIndices;
        this.order = order;
    }

    /**
     * @param layers   the layers in list order, names already checked unique
     * @param declared per layer the declared input names (empty: the default), or an empty list for all defaults
     * @throws SpecViolation for a layer named like the model input, an unknown input name, a layer reading
     *                       itself or a cycle, or a layer other than the last whose output nobody reads
     */
    static ModelGraph of(List<LayerSpec> layers, List<List<String>> declared) {
        int n = layers.size();
        if (!declared.isEmpty() && declared.size() != n) {
            throw new SpecViolation(-1, ModelKeys.LAYERS, "inputs are given for " + declared.size() + " layers, the"
                    + " model has " + n);
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String name = layers.get(i).name();
            if (name.equals(ModelKeys.MODEL_INPUT)) {
                throw new SpecViolation(i, ModelKeys.NAME, "layer " + name + ": the name '" + ModelKeys.MODEL_INPUT
                        + "' stands for the model's input in inputs; choose another");
            }
            index.put(name, i);
        }
        List<List<String>> resolved = new ArrayList<>(n);
        int[][] indices = new int[n][];
        for (int i = 0; i < n; i++) {
            List<String> names = declared.isEmpty() || declared.get(i) == null || declared.get(i).isEmpty()
                    ? List.of(i == 0 ? ModelKeys.MODEL_INPUT : layers.get(i - 1).name()) : List.copyOf(declared.get(i));
            indices[i] = new int[names.size()];
            for (int j = 0; j < names.size(); j++) {
                String in = names.get(j);
                Integer k = in.equals(ModelKeys.MODEL_INPUT) ? Integer.valueOf(-1) : index.get(in);
                if (k == null) {
                    throw new SpecViolation(i, ModelKeys.INPUTS, "layer " + layers.get(i).name() + ": input '" + in
                            + "' is not a layer of this model" + Suggestions.closest(in, new java.util.TreeSet<>(index.keySet()))
                            + "; inputs name layers or '" + ModelKeys.MODEL_INPUT + "' (the model's input)");
                }
                if (k == i) {
                    throw new SpecViolation(i, ModelKeys.INPUTS, "layer " + in + " reads itself (inputs form a cycle)");
                }
                indices[i][j] = k;
            }
            resolved.add(names);
        }
        int[] order = topologicalOrder(layers, indices);
        checkAllRead(layers, indices);
        return new ModelGraph(List.copyOf(resolved), indices, order);
    }

    /** Repeatedly the first layer in list order whose inputs are all placed; a cycle is reported. */
    private static int[] topologicalOrder(List<LayerSpec> layers, int[][] indices) {
        int n = layers.size();
        boolean[] placed = new boolean[n];
        int[] order = new int[n];
        for (int done = 0; done < n; done++) {
            int next = -1;
            for (int i = 0; i < n && next < 0; i++) {
                if (!placed[i] && allPlaced(indices[i], placed)) {
                    next = i;
                }
            }
            if (next < 0) {
                throw cycle(layers, indices, placed);
            }
            placed[next] = true;
            order[done] = next;
        }
        return order;
    }

    private static boolean allPlaced(int[] inputs, boolean[] placed) {
        for (int k : inputs) {
            if (k >= 0 && !placed[k]) {
                return false;
            }
        }
        return true;
    }

    /** Follows unplaced inputs from the first unplaced layer until a layer repeats: that loop is a cycle. */
    private static SpecViolation cycle(List<LayerSpec> layers, int[][] indices, boolean[] placed) {
        int at = 0;
        while (placed[at]) {
            at++;
        }
        List<Integer> path = new ArrayList<>();
        while (!path.contains(at)) {
            path.add(at);
            for (int k : indices[at]) {
                if (k >= 0 && !placed[k]) {
                    at = k;
                    break;
                }
            }
        }
        List<Integer> loop = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
        int first = loop.stream().min(Integer::compare).orElseThrow();
        java.util.Collections.rotate(loop, -loop.indexOf(first));
        List<String> reads = new ArrayList<>();
        for (int i = 0; i < loop.size(); i++) {
            reads.add(layers.get(loop.get(i)).name() + " reads " + layers.get(loop.get((i + 1) % loop.size())).name());
        }
        return new SpecViolation(first, ModelKeys.INPUTS, "layer " + layers.get(first).name()
                + ": inputs form a cycle: " + String.join(", ", reads));
    }

    private static void checkAllRead(List<LayerSpec> layers, int[][] indices) {
        boolean[] read = new boolean[layers.size()];
        for (int[] in : indices) {
            for (int k : in) {
                if (k >= 0) {
                    read[k] = true;
                }
            }
        }
        for (int i = 0; i < layers.size() - 1; i++) {
            if (!read[i]) {
                throw new SpecViolation(i, null, "layer " + layers.get(i).name() + ": its output is read by no layer;"
                        + " only the last layer (the logits) may be unread");
            }
        }
    }

    /** Per layer, in list order, the names of the layers it reads ({@value ModelKeys#MODEL_INPUT}: the input). */
    List<List<String>> inputs() {
        return inputs;
    }

    /** Per layer, in list order, the list positions of the layers it reads (-1: the model's input). */
    int[] inputIndices(int layer) {
        return inputIndices[layer].clone();
    }

    /** The list positions in an order where every layer follows its inputs. */
    int[] order() {
        return order.clone();
    }
}
