using Sluice.Core.Events;

namespace Sluice.Processing.Internal.Chunking;

/// <summary>Finds the page of offsets that are asked for in non-decreasing order.</summary>
internal sealed class PageLocator
{
    private readonly PageStart[] _pages;
    private int _current = -1;

    /// <summary>Takes the page starts in any order.</summary>
    public PageLocator(IReadOnlyList<PageStart> pages)
    {
        _pages = [.. pages];
        Array.Sort(_pages, static (a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : a.Page.CompareTo(b.Page));
    }

    /// <summary>
    /// The page with the greatest start at or before <paramref name="offset"/>; null before the first page.
    /// Offsets must not decrease from one call to the next.
    /// </summary>
    public int? PageAt(int offset)
    {
        while (_current + 1 < _pages.Length && _pages[_current + 1].Offset <= offset)
        {
            _current++;
        }

        return _current >= 0 ? _pages[_current].Page : null;
    }
}
