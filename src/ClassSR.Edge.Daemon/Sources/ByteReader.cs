namespace ClassSR.Edge.Daemon.Sources;

/// <summary>
/// A read buffer over a stream that can give bytes back (<see cref="Unread"/>): the y4m reader finds a
/// truncated frame only after it has read into the next one, and must resume at that frame's marker.
/// </summary>
internal sealed class ByteReader
{
    readonly Stream _stream;
    byte[] _buf;
    int _pos, _len;

    public ByteReader(Stream stream, int capacity)
    {
        _stream = stream;
        _buf = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 4096));
    }

    public Stream Stream => _stream;

    /// <summary>Bytes read from the stream but not consumed yet.</summary>
    public int Buffered => _len - _pos;

    /// <summary>Makes room for a frame's worth of pushed-back bytes; allocates only when the frame size grows.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (_buf.Length >= capacity)
            return;
        var bigger = GC.AllocateUninitializedArray<byte>(capacity);
        _buf.AsSpan(_pos, _len - _pos).CopyTo(bigger);
        _len -= _pos;
        _pos = 0;
        _buf = bigger;
    }

    public void Discard() => _pos = _len = 0;

    bool Fill()
    {
        if (_pos > 0)
        {
            _buf.AsSpan(_pos, _len - _pos).CopyTo(_buf);
            _len -= _pos;
            _pos = 0;
        }
        if (_len == _buf.Length)
            return true;
        int n = _stream.Read(_buf, _len, _buf.Length - _len);
        _len += n;
        return n > 0;
    }

    /// <summary>Reads up to '\n' (consumed, not returned) into <paramref name="line"/>.</summary>
    /// <returns>The line length; -1 at the end of the stream with nothing read; -2 when no '\n' came within
    /// the line's length (the bytes are consumed); -3 when the stream ended mid-line.</returns>
    public int ReadLine(Span<byte> line)
    {
        int n = 0;
        while (true)
        {
            if (_pos == _len && !Fill())
                return n == 0 ? -1 : -3;
            while (_pos < _len)
            {
                byte b = _buf[_pos++];
                if (b == (byte)'\n')
                    return n;
                if (n == line.Length)
                    return -2;
                line[n++] = b;
            }
        }
    }

    /// <summary>Fills as much of <paramref name="destination"/> as the stream has; less only at its end.</summary>
    public int Read(Span<byte> destination)
    {
        int n = 0;
        while (n < destination.Length)
        {
            if (_pos == _len)
            {
                // Large reads skip the copy through the buffer.
                if (destination.Length - n >= _buf.Length)
                {
                    int direct = _stream.Read(destination[n..]);
                    if (direct == 0)
                        return n;
                    n += direct;
                    continue;
                }
                if (!Fill())
                    return n;
            }
            int take = Math.Min(_len - _pos, destination.Length - n);
            _buf.AsSpan(_pos, take).CopyTo(destination[n..]);
            _pos += take;
            n += take;
        }
        return n;
    }

    /// <summary>Puts bytes back so the next reads return them first.</summary>
    public void Unread(ReadOnlySpan<byte> data)
    {
        if (data.Length > _pos)
        {
            EnsureCapacity(_len - _pos + data.Length);
            int keep = _len - _pos;
            _buf.AsSpan(_pos, keep).CopyTo(_buf.AsSpan(data.Length));
            _pos = data.Length;
            _len = data.Length + keep;
        }
        _pos -= data.Length;
        data.CopyTo(_buf.AsSpan(_pos));
    }

    /// <summary>
    /// Skips to the next occurrence of <paramref name="marker"/> followed by one of <paramref name="next"/>,
    /// leaving it unread. Returns false, everything consumed, at the end of the stream.
    /// </summary>
    public bool SkipTo(ReadOnlySpan<byte> marker, ReadOnlySpan<byte> next)
    {
        while (true)
        {
            var window = _buf.AsSpan(_pos, _len - _pos);
            int at = window.IndexOf(marker);
            while (at >= 0 && at + marker.Length < window.Length)
            {
                if (next.Contains(window[at + marker.Length]))
                {
                    _pos += at;
                    return true;
                }
                int again = window[(at + 1)..].IndexOf(marker);
                at = again < 0 ? -1 : at + 1 + again;
            }
            // Keep a marker's worth of tail: the marker may straddle the refill.
            int keep = Math.Min(window.Length, marker.Length);
            _pos = _len - keep;
            int before = _len - _pos;
            if (!Fill() || _len - _pos == before)
            {
                _pos = _len;
                return false;
            }
        }
    }
}
