import { startLocalSmtpServer } from '@govblocks/messaging/testing';
import { expect, it } from 'vitest';
import { messagingBlock } from './messaging.js';

it('govblocks serve messaging: HTTP in, SMTP out, status back', async () => {
  const smtp = await startLocalSmtpServer();
  const lines: string[] = [];
  const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
  const server = await messagingBlock.serve!({
    port: 0,
    host: '127.0.0.1',
    seed: false,
    flags: {
      smtp: `${smtp.host}:${smtp.port}`,
      from: 'noreply@agency.example',
      'api-key': 'cli-test-key-0123456789',
    },
    io,
  });
  try {
    const headers = { 'content-type': 'application/json', api_key: 'cli-test-key-0123456789' };
    const answer = await fetch(`${server.url}/send/email/single`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        recipientInfo: { email: 'citizen@example.org', name: 'Ada' },
        emailContent: { title: 'Your permit', content: 'Dear {{name}}, it is approved.' },
      }),
    });
    expect(answer.status).toBe(200);
    const { requestUID } = (await answer.json()) as { requestUID: string };
    for (let tries = 0; tries < 50 && smtp.received.length === 0; tries++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.recipients).toEqual(['citizen@example.org']);
    let status: unknown;
    for (let tries = 0; tries < 20; tries++) {
      status = await (
        await fetch(`${server.url}/status/email?status[]=delivered`, {
          headers: { ...headers, requestUID },
        })
      ).json();
      if ((status as { delivered: number }).delivered === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toEqual({ delivered: 1 });
  } finally {
    await server.close();
    await smtp.close();
  }
});
