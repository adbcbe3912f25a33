namespace Sluice.Conformance;

/// <summary>What a conformance test opened (stores, indexes, connections), disposed in reverse order when it ends.</summary>
public sealed class OwnedResources : IAsyncDisposable
{
    private readonly List<object> _items = [];

    /// <summary>Keeps <paramref name="item"/> to dispose at the end; returns it.</summary>
    public T Add<T>(T item)
        where T : notnull
    {
        _items.Add(item);
        return item;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _items.Count - 1; i >= 0; i--)
        {
            switch (_items[i])
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        _items.Clear();
    }
}
