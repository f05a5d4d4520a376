"""Calls a FedMesh node's standard gRPC health service over mutual TLS with Python's grpcio.

An independent gRPC stack (no FedMesh code, no generated stubs: the two tiny protobuf messages are
encoded by hand) proves that any gRPC client with a node certificate can talk to a node.
Usage: health_check.py HOST:PORT CA_PEM CERT_PEM KEY_PEM SERVICE   -> prints the serving status number.
"""
import sys

import grpc


def encode_request(service):
    data = service.encode("utf-8")
    # HealthCheckRequest { string service = 1; }: tag 0x0a, length, bytes (names are short: one-byte length).
    assert len(data) < 128
    return bytes([0x0A, len(data)]) + data


def decode_status(response):
    # HealthCheckResponse { ServingStatus status = 1; }: tag 0x08 then a one-byte varint, or empty (0).
    if not response:
        return 0
    assert response[0] == 0x08, response
    return response[1]


def main():
    target, ca, cert, key, service = sys.argv[1:6]
    credentials = grpc.ssl_channel_credentials(
        root_certificates=open(ca, "rb").read(),
        private_key=open(key, "rb").read(),
        certificate_chain=open(cert, "rb").read())
    with grpc.secure_channel(target, credentials) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            print(decode_status(check(encode_request(service), timeout=10)))
        except grpc.RpcError as e:
            print("error %s %s" % (e.code().name, e.details()))


if __name__ == "__main__":
    main()
