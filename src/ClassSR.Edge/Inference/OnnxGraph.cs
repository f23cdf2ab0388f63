using System.Text;

namespace ClassSR.Edge.Inference;

/// <summary>
/// Reads the operator list of an ONNX file (ModelProto.graph.node[].op_type) with a minimal
/// protobuf walk: enough to check what ONNX Runtime's optimizer made of a model, without
/// pulling a protobuf library into the product.
/// </summary>
public static class OnnxGraph
{
    const int ModelGraph = 7, GraphNode = 1, NodeOpType = 4;

    public static Dictionary<string, int> CountOps(string path)
    {
        var ops = new Dictionary<string, int>();
        var model = File.ReadAllBytes(path);
        foreach (var graph in Fields(model, ModelGraph))
            foreach (var node in Fields(graph, GraphNode))
                foreach (var op in Fields(node, NodeOpType))
                {
                    string name = Encoding.UTF8.GetString(op.Span);
                    ops[name] = ops.GetValueOrDefault(name) + 1;
                }
        return ops;
    }

    /// <summary>The length-delimited fields with this number in a protobuf message.</summary>
    static List<ReadOnlyMemory<byte>> Fields(ReadOnlyMemory<byte> msg, int number)
    {
        var found = new List<ReadOnlyMemory<byte>>();
        var s = msg.Span;
        int p = 0;
        while (p < s.Length)
        {
            ulong key = Varint(s, ref p);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: Varint(s, ref p); break;
                case 1: p += 8; break;
                case 5: p += 4; break;
                case 2:
                    int len = checked((int)Varint(s, ref p));
                    if (p + len > s.Length) throw new InvalidDataException("truncated protobuf field");
                    if (field == number) found.Add(msg.Slice(p, len));
                    p += len;
                    break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire}");
            }
        }
        return found;
    }

    static ulong Varint(ReadOnlySpan<byte> s, ref int p)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (p >= s.Length || shift > 63) throw new InvalidDataException("bad protobuf varint");
            byte b = s[p++];
            v |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }
}
