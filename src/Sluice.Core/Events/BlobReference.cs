namespace Sluice.Core.Events;

/// <summary>
/// A claim check: what an event carries instead of a large payload. The blob store that produced it
/// resolves <see cref="Uri"/>; <see cref="Sha256"/> and <see cref="Size"/> let every reader verify
/// that it got exactly the bytes that were referenced.
/// </summary>
/// <param name="Uri">Store-relative URI, e.g. <c>blob:sha256:9f86d0…</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
/// <param name="Size">Content length in bytes.</param>
/// <param name="ContentType">MIME type of the content, e.g. <c>application/pdf</c>.</param>
public sealed record BlobReference(string Uri, string Sha256, long Size, string ContentType);
