using System.Buffers.Binary;
using System.Text;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.Platform.Universal.Store;

/// <summary>
/// The append-only log of commits, one record per commit:
/// <c>magic(4) | payload length(4, LE) | payload CRC-32(4, LE) | header CRC-32 of the previous 12 bytes(4, LE) | payload</c>.
/// The payload is <c>format(1) | revision(8) | count(4) | changes</c>, each change <c>1 + JSON line</c> (put) or
/// <c>2 + kind + namespace + name</c> (delete), strings as BinaryWriter writes them (length-prefixed UTF-8).
/// </summary>
/// <remarks>
/// A record is acknowledged only after it is fsynced, and records are appended one at a time, so only the
/// last record can be incomplete after a crash: a damaged record with nothing valid after it is a torn tail
/// and is cut away; a damaged record followed by a valid one is corruption and opening fails.
/// The magic starts with 0xFF, a byte UTF-8 never contains, so JSON inside a payload cannot pass for a record.
/// </remarks>
internal sealed class WriteAheadLog : IDisposable
{
    public const string FileName = "wal.log";
    public const int HeaderSize = 16;

    private const byte FormatVersion = 1;
    private const byte PutOp = 1;
    private const byte DeleteOp = 2;

    // A delete of an object of a group other than its kind's own (ResourceKey.Group): the key, then the group. A new
    // operation rather than a new format, so every record written before it still reads.
    private const byte DeleteInGroupOp = 3;

    private readonly string _directory;
    private readonly string _path;
    private FileStream _stream;
    private long _length;
    private Exception? _fault;

    private WriteAheadLog(string directory, FileStream stream, long length)
    {
        _directory = directory;
        _path = Path.Combine(directory, FileName);
        _stream = stream;
        _length = length;
    }

    /// <summary>Bytes in the log.</summary>
    public long Length => _length;

    private static ReadOnlySpan<byte> Magic => [0xFF, (byte)'L', (byte)'W', 0x01];

    /// <summary>Opens (or creates) the log in <paramref name="directory"/>, reads every intact record and cuts a
    /// torn tail away. Throws <see cref="StoreCorruptedException"/> for damage that is not at the tail.</summary>
    public static async Task<WalRecovery> OpenAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var created = !File.Exists(path);
        var stream = OpenFile(path);
        try
        {
            if (created)
            {
                stream.Flush(flushToDisk: true);
                NativeMethods.FlushDirectory(directory);
            }

            if (stream.Length > Array.MaxLength)
            {
                throw new StoreCorruptedException($"{path} is {stream.Length} bytes, more than can be replayed; it was never compacted.");
            }

            var data = new byte[stream.Length];
            await stream.ReadExactlyAsync(data, cancellationToken);
            var scan = Scan(data, path);
            if (scan.ValidLength < data.Length)
            {
                stream.SetLength(scan.ValidLength);
                stream.Flush(flushToDisk: true);
            }

            stream.Position = scan.ValidLength;
            var log = new WriteAheadLog(directory, stream, scan.ValidLength);
            return new WalRecovery(log, scan.Records, scan.ValidLength, data.Length - scan.ValidLength, scan.TailProblem);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Appends one commit and fsyncs it. On failure the log is cut back to where it was, so a failed
    /// commit leaves no record behind; if even that fails, the log refuses further appends.</summary>
    public void Append(long revision, IReadOnlyList<CommittedChange> changes)
    {
        if (_fault is not null)
        {
            throw new IOException($"{_path} could not be kept consistent after an earlier I/O error; reopen the store.", _fault);
        }

        var record = Encode(revision, changes);
        var start = _length;
        try
        {
            _stream.Write(record);
            _stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                _stream.SetLength(start);
                _stream.Position = start;
                _stream.Flush(flushToDisk: true);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                _fault = inner;
            }

            throw;
        }

        _length = start + record.Length;
    }

    /// <summary>Replaces the log with an empty one (after a snapshot has made every record redundant): the new
    /// file is fsynced under a temporary name and renamed over the old one, so the log is always either the
    /// old one or an empty one.</summary>
    public void Reset()
    {
        var temporary = _path + ".tmp";
        using (var fresh = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            fresh.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);

        // From here the open stream writes to an unlinked file: appends must go to the new one, or be refused.
        try
        {
            var next = OpenFile(_path);
            _stream.Dispose();
            _stream = next;
            _length = 0;
            NativeMethods.FlushDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _fault = ex;
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>The bytes of one record.</summary>
    internal static byte[] Encode(long revision, IReadOnlyList<CommittedChange> changes)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(revision);
            writer.Write(changes.Count);
            foreach (var change in changes)
            {
                if (change.Resource is { } resource)
                {
                    writer.Write(PutOp);
                    writer.Write(ResourceWriter.ToJsonLine(resource));
                }
                else
                {
                    writer.Write(change.Key.Group is null ? DeleteOp : DeleteInGroupOp);
                    writer.Write(change.Key.Kind);
                    writer.Write(change.Key.Namespace);
                    writer.Write(change.Key.Name);
                    if (change.Key.Group is { } group)
                    {
                        writer.Write(group);
                    }
                }
            }
        }

        var length = checked((int)payload.Length);
        var record = new byte[HeaderSize + length];
        payload.GetBuffer().AsSpan(0, length).CopyTo(record.AsSpan(HeaderSize));
        Magic.CopyTo(record);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.Compute(record.AsSpan(HeaderSize)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), Crc32.Compute(record.AsSpan(0, 12)));
        return record;
    }

    /// <summary>Reads every intact record of <paramref name="data"/>; see the class remarks for what counts as a
    /// torn tail and what as corruption.</summary>
    internal static WalScan Scan(byte[] data, string path)
    {
        var records = new List<WalRecord>();
        var offset = 0;
        while (offset < data.Length)
        {
            var problem = Check(data, offset, out var payloadLength);
            if (problem is not null)
            {
                var later = FindIntactRecord(data, offset + 1);
                if (later >= 0)
                {
                    throw new StoreCorruptedException(
                        $"{path}: the record at byte {offset} is damaged ({problem}), but an intact record follows at byte {later}. "
                        + "Only the last record may be incomplete after a crash, so committed data would be lost; the log was left untouched.");
                }

                return new WalScan(records, offset, problem);
            }

            var record = Decode(data.AsMemory(offset + HeaderSize, payloadLength), path, offset);
            if (records.Count > 0 && record.Revision != records[^1].Revision + 1)
            {
                throw new StoreCorruptedException($"{path}: the record at byte {offset} has revision {record.Revision}, but it follows revision {records[^1].Revision}.");
            }

            records.Add(record);
            offset += HeaderSize + payloadLength;
        }

        return new WalScan(records, offset, null);
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, bufferSize: 0);

    private static string? Check(byte[] data, int offset, out int payloadLength)
    {
        payloadLength = 0;
        var remaining = data.Length - offset;
        if (remaining < HeaderSize)
        {
            return $"incomplete header: {remaining} of {HeaderSize} bytes";
        }

        var header = data.AsSpan(offset, HeaderSize);
        if (!header[..4].SequenceEqual(Magic))
        {
            return "bad magic";
        }

        if (Crc32.Compute(header[..12]) != BinaryPrimitives.ReadUInt32LittleEndian(header[12..]))
        {
            return "header checksum mismatch";
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (length < 0 || length > remaining - HeaderSize)
        {
            return $"incomplete payload: {remaining - HeaderSize} of {length} bytes";
        }

        if (Crc32.Compute(data.AsSpan(offset + HeaderSize, length)) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            return "payload checksum mismatch";
        }

        payloadLength = length;
        return null;
    }

    private static int FindIntactRecord(byte[] data, int from)
    {
        var start = from;
        while (start < data.Length)
        {
            var found = data.AsSpan(start).IndexOf(Magic);
            if (found < 0)
            {
                return -1;
            }

            var candidate = start + found;
            if (Check(data, candidate, out _) is null)
            {
                return candidate;
            }

            start = candidate + 1;
        }

        return -1;
    }

    private static WalRecord Decode(ReadOnlyMemory<byte> payload, string path, int offset)
    {
        try
        {
            using var stream = new MemoryStream(payload.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var format = reader.ReadByte();
            if (format != FormatVersion)
            {
                throw new StoreCorruptedException($"{path}: the record at byte {offset} has format {format}; this build reads format {FormatVersion}.");
            }

            var revision = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count < 0 || count > payload.Length)
            {
                throw new StoreCorruptedException($"{path}: the record at byte {offset} claims {count} changes.");
            }

            var entries = new List<WalEntry>(count);
            for (var i = 0; i < count; i++)
            {
                var op = reader.ReadByte();
                switch (op)
                {
                    case PutOp:
                        entries.Add(new WalEntry(reader.ReadString(), null));
                        break;
                    case DeleteOp:
                        entries.Add(new WalEntry(null, new ResourceKey(reader.ReadString(), reader.ReadString(), reader.ReadString())));
                        break;
                    case DeleteInGroupOp:
                        entries.Add(new WalEntry(null, new ResourceKey(reader.ReadString(), reader.ReadString(), reader.ReadString()) { Group = reader.ReadString() }));
                        break;
                    default:
                        throw new StoreCorruptedException($"{path}: the record at byte {offset} has an unknown change type {op}.");
                }
            }

            if (stream.Position != stream.Length)
            {
                throw new StoreCorruptedException($"{path}: the record at byte {offset} has {stream.Length - stream.Position} unread bytes.");
            }

            return new WalRecord(revision, entries);
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or IOException)
        {
            throw new StoreCorruptedException($"{path}: the record at byte {offset} has a valid checksum but cannot be decoded: {ex.Message}", ex);
        }
    }
}
