using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Processing.Internal.Stages;

/// <summary>The claim-check formats between stages: extracted text (UTF-8), chunk batches (JSON lines) and vector blocks (float32 LE).</summary>
internal static class StageBlobs
{
    public const string ChunksContentType = "application/x-ndjson";
    public const string VectorsContentType = "application/x-sluice-vectors";

    /// <summary>Reads a UTF-8 text blob (the extracted text) whole.</summary>
    public static async Task<string> ReadTextAsync(IBlobStore blobs, BlobReference reference, CancellationToken cancellationToken)
    {
        await using var content = await blobs.OpenReadAsync(reference, cancellationToken);
        using var reader = new StreamReader(content, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>The document revision that owns what a stage writes for <paramref name="input"/>.</summary>
    public static BlobOwner OwnerOf(EventEnvelope input) => new(input.DocumentId, input.Revision);

    public static async Task<BlobReference> WriteChunksAsync(
        IBlobStore blobs, BlobOwner owner, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken)
    {
        using var lines = new MemoryStream();
        foreach (var chunk in chunks)
        {
            JsonSerializer.Serialize(lines, chunk, SluiceJson.Options);
            lines.WriteByte((byte)'\n');
        }

        lines.Position = 0;
        return await blobs.PutOwnedAsync(owner, lines, ChunksContentType, cancellationToken);
    }

    public static async Task<List<Chunk>> ReadChunksAsync(IBlobStore blobs, BlobReference reference, CancellationToken cancellationToken)
    {
        var chunks = new List<Chunk>();
        await using var content = await blobs.OpenReadAsync(reference, cancellationToken);
        using var reader = new StreamReader(content, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                chunks.Add(JsonSerializer.Deserialize<Chunk>(line, SluiceJson.Options)
                           ?? throw new JsonException("A chunk batch holds an empty line."));
            }
        }

        return chunks;
    }

    public static async Task<BlobReference> WriteVectorsAsync(
        IBlobStore blobs, BlobOwner owner, IReadOnlyList<float[]> vectors, int dimensions, CancellationToken cancellationToken)
    {
        var bytes = new byte[vectors.Count * dimensions * sizeof(float)];
        for (var i = 0; i < vectors.Count; i++)
        {
            if (vectors[i].Length != dimensions)
            {
                throw new InvalidOperationException($"Vector {i} has {vectors[i].Length} dimensions, expected {dimensions}.");
            }

            for (var d = 0; d < dimensions; d++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(((i * dimensions) + d) * sizeof(float)), vectors[i][d]);
            }
        }

        using var stream = new MemoryStream(bytes, writable: false);
        return await blobs.PutOwnedAsync(owner, stream, VectorsContentType, cancellationToken);
    }

    public static async Task<List<float[]>> ReadVectorsAsync(
        IBlobStore blobs, BlobReference reference, int count, int dimensions, CancellationToken cancellationToken)
    {
        if (reference.Size != (long)count * dimensions * sizeof(float))
        {
            throw new InvalidDataException($"The vector block holds {reference.Size} bytes, not {count} × {dimensions} floats.");
        }

        var bytes = new byte[reference.Size];
        await using (var content = await blobs.OpenReadAsync(reference, cancellationToken))
        {
            await content.ReadExactlyAsync(bytes, cancellationToken);
            if (await content.ReadAsync(new byte[1], cancellationToken) != 0)
            {
                throw new InvalidDataException("The vector block is longer than referenced.");
            }
        }

        var vectors = new List<float[]>(count);
        for (var i = 0; i < count; i++)
        {
            var vector = new float[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                vector[d] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(((i * dimensions) + d) * sizeof(float)));
            }

            vectors.Add(vector);
        }

        return vectors;
    }
}
