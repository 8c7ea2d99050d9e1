// Issue 15: "sipp's fixed 46000/48000 ports collide with suite ports at run time". sipp opens
// media and control sockets besides its SIP port; the UAS of app: sip puts them on ports that
// no port of the suite and no other sipp of the namespace holds, and the probe's UAC on random
// high ports (not sipp's fixed 6000 and 8888), never on the port it probes or its own SIP port.
import { expect } from 'chai';
import { sippOwnPorts } from '../../lib/apps/sip.ts';
import { probes } from '../../lib/probes/index.ts';

const arg = (argv: string[], flag: string) => Number(argv[argv.indexOf(flag) + 1]);

describe("sipp's own media and control ports", () => {
  it('the UAS: off every suite port, distinct per instance', () => {
    const suite = new Set([5060, 46000, 46002, 46005, 48000, 48001, 48003]);
    const taken: number[] = [];
    for (let instance = 0; instance < 4; instance++) {
      const argv = sippOwnPorts(suite, instance);
      const media = arg(argv, '-mp');
      const control = arg(argv, '-cp');
      for (const p of [media, media + 1, media + 2, media + 3, control]) {
        expect(suite.has(p), `instance ${instance} port ${p}`).to.equal(false);
        expect(taken, `instance ${instance} port ${p}`).to.not.include(p);
      }
      taken.push(media, media + 1, media + 2, media + 3, control);
    }
    expect(sippOwnPorts(new Set(), 0)).to.deep.equal(['-mp', '46000', '-cp', '48000']);
  });

  it('the probe: random high media and control ports, never the target, its SIP port or sipp’s defaults', () => {
    for (let i = 0; i < 200; i++) {
      const target = [5060, 6000, 8888, 30000, 40000][i % 5]!;
      const argv = probes['sip-options'].command({ host: '10.0.0.5', port: target, protocol: i % 2 ? 'UDP' : 'TCP' }, 1000).argv;
      const sip = arg(argv, '-p');
      const media = arg(argv, '-mp');
      const control = arg(argv, '-cp');
      expect(argv).to.include('-mp').and.include('-cp');
      const own = [sip, media, media + 1, media + 2, media + 3, control];
      expect(new Set(own).size, own.join(',')).to.equal(own.length);
      expect(own).to.not.include(target);
      expect(own).to.not.include(6000).and.not.include(8888);
      for (const p of own) expect(p).to.be.within(20000, 60000);
    }
  });
});
