using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>Writes a kind's <c>spec</c> (and <c>status</c>, when it has one) into <paramref name="json"/>, which
/// already holds apiVersion, kind and metadata.</summary>
public delegate void KindWriter(Resource resource, JsonObject json);
