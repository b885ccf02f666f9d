using Grpc.Core;

namespace Linnet.Samples.Greeter;

/// <summary>Greets by name and says which instance answered.</summary>
internal sealed class GreeterService(InstanceName instance) : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = $"hello {request.Name} from {instance.Value}" });
}
