// A SIP OPTIONS request as a test client sends it with nc (over UDP or TCP): enough to see
// the UAS answer 200 through a Service, without depending on the probe module.
export function sipOptionsRequest(target: string, transport: 'UDP' | 'TCP', callId: string): string {
  return [
    `OPTIONS sip:ping@${target} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    'From: <sip:flowproof@test.invalid>;tag=fp1',
    `To: <sip:ping@${target}>`,
    `Call-ID: ${callId}@flowproof`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
