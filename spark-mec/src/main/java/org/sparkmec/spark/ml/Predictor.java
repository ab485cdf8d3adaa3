package org.sparkmec.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import org.sparkmec.engine.data.LabeledImages;
import org.sparkmec.engine.data.Normalization;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.BatchTensors;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.Networks;
import org.sparkmec.spark.data.ImageColumns;
import org.sparkmec.spark.executor.ExecutorEngines;
import org.sparkmec.spark.executor.TaskGpu;

/**
 * The per-partition prediction of {@link MecClassificationModel#transform}: Java-serialized into the stage's
 * closure with the settings, the normalization and the broadcast handle of the weights (not the weights).
 * Each output row is the input row followed by the prediction ({@code double}), the probabilities and the
 * logits ({@code vector}s of the class count). Runs on the task's thread; the network comes from the JVM's
 * persistent engines and is released when the task completes.
 */
final class Predictor implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Which checkpoint (digest) each prediction network of this JVM holds; engines use one thread each. */
    private static final Map<Network, String> LOADED = Collections.synchronizedMap(new WeakHashMap<>());

    private final String modelText;
    private final String modelName;
    private final String checkpointDigest;
    private final Broadcast<byte[]> weights;
    private final Normalization normalization;
    private final TreeMap<String, String> engineSettings;
    private final long workspaceBudgetBytes;
    private final ConvAlgorithmChoice algorithmOverride;
    private final int imageIndex;
    private final String imageColumn;
    private final int batchSize;

    Predictor(String modelText, String modelName, String checkpointDigest, Broadcast<byte[]> weights,
              Normalization normalization, Map<String, String> engineSettings, long workspaceBudgetBytes,
              ConvAlgorithmChoice algorithmOverride, int imageIndex, String imageColumn, int batchSize) {
        this.modelText = modelText;
        this.modelName = modelName;
        this.checkpointDigest = checkpointDigest;
        this.weights = weights;
        this.normalization = normalization;
        this.engineSettings = new TreeMap<>(engineSettings);
        this.workspaceBudgetBytes = workspaceBudgetBytes;
        this.algorithmOverride = algorithmOverride;
        this.imageIndex = imageIndex;
        this.imageColumn = imageColumn;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Output(rows);
    }

    /** Networks are shared by models of the same declaration and build settings; weights are loaded per model. */
    private String networkKey() {
        return "predict|" + modelText + "|budget=" + workspaceBudgetBytes + "|algorithm=" + algorithmOverride;
    }

    /** Pulls up to {@code batchSize} input rows, predicts them in one forward pass, hands them out. */
    private final class Output implements Iterator<Row> {
        private final Iterator<Row> input;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private ExecutorEngines.Engine engine;
        private Network network;
        private BatchTensors tensors;
        private boolean released;

        Output(Iterator<Row> input) {
            this.input = input;
        }

        @Override
        public boolean hasNext() {
            if (!ready.isEmpty()) {
                return true;
            }
            if (!input.hasNext()) {
                release();
                return false;
            }
            predictBatch();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.pollFirst();
        }

        private void predictBatch() {
            List<Row> batch = new ArrayList<>(batchSize);
            while (batch.size() < batchSize && input.hasNext()) {
                batch.add(input.next());
            }
            if (network == null) {
                acquire();
            }
            int[] dims = network.imageDims();
            int size = dims[0] * dims[1] * dims[2];
            int n = batch.size();
            float[] pixels = new float[Math.multiplyExact(n, size)];
            for (int i = 0; i < n; i++) {
                Object value = batch.get(i).get(imageIndex);
                if (value == null) {
                    throw new IllegalArgumentException("a row has a null image in column '" + imageColumn + "'");
                }
                float[] image = ImageColumns.floats(value);
                if (image.length != size) {
                    throw new IllegalArgumentException("an image in column '" + imageColumn + "' has " + image.length
                            + " values; model " + modelName + " takes " + dims[0] + "x" + dims[1] + "x" + dims[2]
                            + " images = " + size + " values (NHWC) per row");
                }
                System.arraycopy(image, 0, pixels, i * size, size);
            }
            LabeledImages images = normalization.apply(new LabeledImages("prediction batch of model " + modelName,
                    dims[0], dims[1], dims[2], pixels, new int[n], network.classes()));
            int[] idx = new int[n];
            Arrays.setAll(idx, i -> i);
            BatchTensors.Batch loaded = tensors.load(images, idx);
            float[] logits = network.forward(loaded.images(), Mode.EVAL).toArray();
            int classes = network.classes();
            for (int i = 0; i < n; i++) {
                ready.addLast(withPrediction(batch.get(i), logits, i * classes, classes));
            }
        }

        private Row withPrediction(Row row, float[] logits, int offset, int classes) {
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                if (logits[offset + k] > max) {
                    max = logits[offset + k];
                    best = k;
                }
            }
            double[] p = new double[classes];
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                p[k] = Math.exp(logits[offset + k] - max);
                sum += p[k];
            }
            for (int k = 0; k < classes; k++) {
                p[k] /= sum;
            }
            double[] raw = new double[classes];
            for (int k = 0; k < classes; k++) {
                raw[k] = logits[offset + k];
            }
            int width = row.size();
            Object[] values = new Object[width + 3];
            for (int c = 0; c < width; c++) {
                values[c] = row.get(c);
            }
            values[width] = (double) best;
            values[width + 1] = new DenseVector(p);
            values[width + 2] = new DenseVector(raw);
            return RowFactory.create(values);
        }

        private void acquire() {
            TaskContext task = TaskContext.get();
            Map<String, String> settings = new TreeMap<>(engineSettings);
            if (EngineConf.from(settings).get(EngineConf.CPU_THREADS) == 0) {
                settings.put(EngineConf.CPU_THREADS.key(),
                        Integer.toString(task == null ? 1 : Math.max(1, task.cpus())));
            }
            ExecutorEngines.Engine e = ExecutorEngines.acquire(settings, TaskGpu.assigned(task));
            engine = e;
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) context -> release());
            }
            String key = networkKey();
            network = e.network(key, () -> Networks.build(e.backend(), ModelFile.parse(modelText, "model " + modelName),
                    EngineConf.from(settings).mecOptions(e.backend().kind()), workspaceBudgetBytes, 0, algorithmOverride));
            tensors = e.batches(key, network);
            if (!checkpointDigest.equals(LOADED.get(network))) {
                loadWeights(network);
                LOADED.put(network, checkpointDigest);
            }
        }

        private void loadWeights(Network net) {
            Checkpoint ckpt;
            try {
                ckpt = Checkpoint.fromBytes(weights.value(), "the broadcast weights of model " + modelName);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            try {
                ckpt.loadInto(net, "the checkpoint of model " + modelName);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("model " + modelName + ": " + e.getMessage(), e);
            }
        }

        private void release() {
            if (engine != null && !released) {
                released = true;
                ExecutorEngines.release(engine);
            }
        }
    }
}
