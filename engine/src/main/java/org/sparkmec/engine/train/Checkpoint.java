package org.sparkmec.engine.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.io.AtomicFiles;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.optim.OptimizerKind;
import org.sparkmec.engine.optim.OptimizerState;

/**
 * A training checkpoint: everything a run needs to continue exactly as if it had not stopped.
 *
 * <p>File format, version 2 (big-endian, as {@link DataOutputStream} writes):
 * <pre>
 *   bytes[8]  magic "MECCKPT\0"
 *   int       format version (2)
 *   string    model file text (HOCON), the network's declaration
 *   long      seed
 *   int       epochs completed (the next epoch to run)
 *   long      optimizer steps taken
 *   map       dropout layer name -> long training passes (its mask sequence position)
 *   map       conv layer name -> string algorithm chosen ("mec" | "im2col")
 *   int       parameter count, then per parameter: string name, int rank, int[rank] dims, float[] values
 *   byte      1 if optimizer state follows, else 0; then: string kind, int slots per parameter, long step,
 *             int entries, per entry: string name, slots x float[] arrays
 *   int       class name count, then per class index 0, 1, ...: string name (version 2 only)
 *   long      CRC-32 of every byte before it
 * </pre>
 * where string = int byte length + UTF-8 bytes, float[] = int length + values, map = int size + entries.
 * Version 1 is version 2 without the class names; it is still read, with no class names.
 * Files are written atomically (temp file + rename); a truncated or corrupt file is rejected.
 *
 * @param modelText          the model declaration
 * @param epochsCompleted    epochs fully trained
 * @param dropoutPasses      per dropout layer, training passes done
 * @param convAlgorithms     per conv layer, the algorithm in use (so that a resumed run computes identically)
 * @param parameters         parameter name to its dims and values, in network order
 * @param optimizer          the optimizer's state, or null (a final model)
 * @param classNames         the name of every class index of the data trained on (e.g. an image folder's class
 *                           folders, {@link org.sparkmec.engine.data.ClassFolders#names()}); empty when the data
 *                           names no classes (IDX files, a table of integer labels) or the file is version 1
 */
public record Checkpoint(String modelText, long seed, int epochsCompleted, long steps, Map<String, Long> dropoutPasses,
                         Map<String, String> convAlgorithms, Map<String, Tensor> parameters, OptimizerState optimizer,
                         List<String> classNames) {

    /** The format version this build writes. */
    public static final int VERSION = 2;
    /** The first format version, still read: no class names. */
    private static final int VERSION_WITHOUT_CLASS_NAMES = 1;
    private static final byte[] MAGIC = "MECCKPT\0".getBytes(StandardCharsets.US_ASCII);

    /** A parameter's dims and row-major values. */
    public record Tensor(int[] dims, float[] values) {
        public Tensor {
            long n = 1;
            for (int d : dims) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n + " values, got "
                        + values.length);
            }
        }
    }

    public Checkpoint {
        Objects.requireNonNull(modelText, "modelText");
        dropoutPasses = new LinkedHashMap<>(dropoutPasses);
        convAlgorithms = new LinkedHashMap<>(convAlgorithms);
        parameters = new LinkedHashMap<>(parameters);
        classNames = List.copyOf(classNames);
    }

    /**
     * The one mapping from a network to a checkpoint: every parameter's dims and values by name (network
     * order), the algorithm each conv layer uses (those declared {@code auto} that have not chosen yet are
     * left out) and, with {@code dropoutPositions}, each dropout layer's training passes.
     *
     * @param dropoutPositions whether the network's dropout passes are the run's (in process) or not (a driver's
     *                         copy of the network, whose workers derive their masks from the step)
     * @param optimizer        the optimizer's state, or null for a final model
     * @param classNames       the run's class names ({@link #classNames()}; empty: the data names none)
     */
    public static Checkpoint capture(String modelText, long seed, int epochsCompleted, long steps, Network network,
                                     boolean dropoutPositions, OptimizerState optimizer, List<String> classNames) {
        Map<String, Long> dropout = new LinkedHashMap<>();
        Map<String, String> algorithms = new LinkedHashMap<>();
        for (Layer layer : network.layers()) {
            if (dropoutPositions && layer instanceof DropoutLayer d) {
                dropout.put(d.name(), d.passes());
            }
            if (layer instanceof Conv2dLayer c && c.convolution() != null) {
                algorithms.put(c.name(), c.convolution().algorithm().configName());
            }
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Parameter p : network.parameters()) {
            params.put(p.name(), new Tensor(p.value().dims(), p.value().toArray()));
        }
        return new Checkpoint(modelText, seed, epochsCompleted, steps, dropout, algorithms, params, optimizer,
                classNames);
    }

    /** This checkpoint without optimizer state: the final model. */
    public Checkpoint withoutOptimizer() {
        return new Checkpoint(modelText, seed, epochsCompleted, steps, dropoutPasses, convAlgorithms, parameters, null,
                classNames);
    }

    /**
     * The inverse of {@link #capture}: copies the weights into {@code network} (built from the same
     * declaration), sets each dropout layer's passes (0 where the checkpoint has none) and makes every conv
     * layer that has not chosen an algorithm yet use the one recorded. The optimizer state is not touched.
     *
     * @param source names the checkpoint in messages (a file, a model)
     * @throws IllegalArgumentException naming a parameter that is missing from the checkpoint or has other dims
     */
    public void loadInto(Network network, String source) {
        for (Parameter p : network.parameters()) {
            Tensor t = parameters.get(p.name());
            if (t == null || !Arrays.equals(t.dims(), p.value().dims())) {
                throw new IllegalArgumentException("parameter " + p.name() + " is "
                        + (t == null ? "missing" : Arrays.toString(t.dims())) + " in " + source + ", the network needs "
                        + Arrays.toString(p.value().dims()));
            }
            p.value().copyFrom(t.values());
        }
        for (Layer layer : network.layers()) {
            if (layer instanceof DropoutLayer d) {
                d.setPasses(dropoutPasses.getOrDefault(d.name(), 0L));
            }
            if (layer instanceof Conv2dLayer c && c.convolution() == null && convAlgorithms.containsKey(c.name())) {
                c.useAlgorithm(ConvAlgorithm.parse(convAlgorithms.get(c.name())));
            }
        }
    }

    /** Writes this checkpoint to {@code file} atomically. */
    public void write(Path file) throws IOException {
        for (Map.Entry<String, Tensor> p : parameters.entrySet()) {
            int bad = DivergenceCheck.firstNonFinite(p.getValue().values());
            if (bad >= 0) {
                throw new TrainingDivergedException("training diverged: parameter " + p.getKey() + " holds "
                        + p.getValue().values()[bad] + " after step " + steps + "; " + file + " was not written");
            }
        }
        AtomicFiles.write(file, this::writeTo);
    }

    /** The checkpoint in its file format (CRC-32 included), e.g. to store it elsewhere than a local file. */
    public byte[] toBytes() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeTo(bytes);
        return bytes.toByteArray();
    }

    /**
     * Streams the file format to {@code sink} (buffered; the CRC is computed on the way), so that writing a
     * checkpoint holds no copy of the model on the heap. Does not close {@code sink}.
     */
    public void writeTo(OutputStream sink) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(sink, 1 << 16);
        CheckedOutputStream checked = new CheckedOutputStream(buffered, new CRC32());
        DataOutputStream out = new DataOutputStream(checked);
        out.write(MAGIC);
        out.writeInt(VERSION);
        writeString(out, modelText);
        out.writeLong(seed);
        out.writeInt(epochsCompleted);
        out.writeLong(steps);
        out.writeInt(dropoutPasses.size());
        for (var e : dropoutPasses.entrySet()) {
            writeString(out, e.getKey());
            out.writeLong(e.getValue());
        }
        out.writeInt(convAlgorithms.size());
        for (var e : convAlgorithms.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
        out.writeInt(parameters.size());
        for (var e : parameters.entrySet()) {
            writeString(out, e.getKey());
            out.writeInt(e.getValue().dims().length);
            for (int d : e.getValue().dims()) {
                out.writeInt(d);
            }
            writeFloats(out, e.getValue().values());
        }
        out.writeByte(optimizer == null ? 0 : 1);
        if (optimizer != null) {
            writeString(out, optimizer.kind().configName());
            out.writeInt(optimizer.slotsPerParameter());
            out.writeLong(optimizer.step());
            out.writeInt(optimizer.slots().size());
            for (var e : optimizer.slots().entrySet()) {
                writeString(out, e.getKey());
                for (float[] slot : e.getValue()) {
                    writeFloats(out, slot);
                }
            }
        }
        out.writeInt(classNames.size());
        for (String name : classNames) {
            writeString(out, name);
        }
        out.flush();
        new DataOutputStream(buffered).writeLong(checked.getChecksum().getValue());
        buffered.flush();
    }

    /**
     * Reads a checkpoint.
     *
     * @throws IOException naming the file on a wrong magic or version, truncation or a checksum mismatch
     */
    public static Checkpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no checkpoint at this path");
        }
        return fromBytes(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses a checkpoint from its file format ({@link #toBytes()}).
     *
     * @param source what the bytes are (a path), for messages
     * @throws IOException naming {@code source} on a wrong magic or version, truncation or a checksum mismatch
     */
    public static Checkpoint fromBytes(byte[] all, String source) throws IOException {
        String file = source;
        if (all.length < MAGIC.length + Long.BYTES || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new IOException(file + ": not a spark-mec checkpoint (expected magic MECCKPT)");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - Long.BYTES);
        long stored = ByteBuffer.wrap(all, all.length - Long.BYTES, Long.BYTES).getLong();
        if (stored != crc.getValue()) {
            throw new IOException(file + ": checksum mismatch (the file is truncated or corrupt)");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                new ByteArrayInputStream(all, MAGIC.length, all.length - MAGIC.length - Long.BYTES)))) {
            int version = in.readInt();
            if (version != VERSION && version != VERSION_WITHOUT_CLASS_NAMES) {
                throw new IOException(file + ": checkpoint format version " + version + ", this build reads versions "
                        + VERSION_WITHOUT_CLASS_NAMES + " and " + VERSION);
            }
            String model = readString(in);
            long seed = in.readLong();
            int epochs = in.readInt();
            long steps = in.readLong();
            Map<String, Long> dropout = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                dropout.put(readString(in), in.readLong());
            }
            Map<String, String> algorithms = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                algorithms.put(readString(in), readString(in));
            }
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                String name = readString(in);
                int[] dims = new int[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readInt();
                }
                params.put(name, new Tensor(dims, readFloats(in)));
            }
            OptimizerState optimizer = null;
            if (in.readByte() == 1) {
                OptimizerKind kind = OptimizerKind.parse(readString(in));
                int slotsPer = in.readInt();
                long step = in.readLong();
                Map<String, float[][]> slots = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    String name = readString(in);
                    float[][] arrays = new float[slotsPer][];
                    for (int s = 0; s < slotsPer; s++) {
                        arrays[s] = readFloats(in);
                    }
                    slots.put(name, arrays);
                }
                optimizer = new OptimizerState(kind, slotsPer, step, slots);
            }
            List<String> classNames = new ArrayList<>();
            if (version != VERSION_WITHOUT_CLASS_NAMES) {
                for (int i = in.readInt(); i > 0; i--) {
                    classNames.add(readString(in));
                }
            }
            if (in.read() >= 0) {
                throw new IOException(file + ": malformed checkpoint: bytes after the last field of version "
                        + version);
            }
            return new Checkpoint(model, seed, epochs, steps, dropout, algorithms, params, optimizer, classNames);
        } catch (EOFException e) {
            throw new IOException(file + ": truncated checkpoint", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": malformed checkpoint: " + e.getMessage(), e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (64 << 20)) {
            throw new IOException("string length " + n + " out of range");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("array length " + n + " is negative");
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }
}
