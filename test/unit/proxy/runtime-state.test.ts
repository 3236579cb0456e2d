import { expect } from 'chai';
import { answerOk, parseBackendNames, parseServerSessions, parseServersState } from '../../../src/proxy/runtime-state.js';

// Captured from HAProxy 2.6 (`show servers state be_a`): s1 readied after `disabled` in the config
// (admin 4), s2 drained (admin 8), s3 added at run time and enabled, s4 in forced maintenance.
const SHOW = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be_a 1 s1 127.0.0.1 2 4 1 1 4 1 0 0 8 0 0 0 - 39112 - 0 0 - - 0
3 be_a 2 s2 127.0.0.1 2 8 1 1 2 1 0 2 0 0 0 0 - 39113 - 0 0 - - 0
3 be_a 3 s3 127.0.0.1 2 0 1 1 5 1 0 0 0 0 0 0 - 39114 - 0 0 - - 0
3 be_a 4 s4 127.0.0.1 0 5 1 1 2 1 0 0 8 0 0 0 - 39115 - 0 0 - - 0

`;

describe('proxy runtime API answers', () => {
  it('parses servers with their address, port and administrative state', () => {
    expect(parseServersState(SHOW).map((s) => [s.name, s.address, s.port, s.state])).to.deep.equal([
      ['s1', '127.0.0.1', 39112, 'ready'],
      ['s2', '127.0.0.1', 39113, 'drain'],
      ['s3', '127.0.0.1', 39114, 'ready'],
      ['s4', '127.0.0.1', 39115, 'maint'],
    ]);
  });

  it('parses an answer without a header as no servers', () => {
    expect(parseServersState("Can't find backend.\n")).to.deep.equal([]);
  });

  it('accepts the success sentences of add and del and the empty answer of set', () => {
    expect(answerOk('add server be/a 1.2.3.4:5', 'New server registered.\n\n')).to.equal(true);
    expect(answerOk('del server be/a', 'Server deleted.\n')).to.equal(true);
    expect(answerOk('set server be/a state drain', '\n')).to.equal(true);
  });

  it('treats any other answer as an error', () => {
    expect(answerOk('del server be/a', 'No such server.\n')).to.equal(false);
    expect(answerOk('set server be/a state ready', 'No such server.\n')).to.equal(false);
  });

  it('reads each server\'s current plus queued sessions from show stat (header as HAProxy 2.6 prints it, trimmed)', () => {
    const stat = '# pxname,svname,qcur,qmax,scur,smax,slim,stot\nbe_x,s1,0,0,3,5,,10\nbe_x,s2,1,1,0,2,,7\nbe_x,s3,,,0,0,,0\nbe_x,BACKEND,1,1,3,5,,17\n\n';
    expect([...parseServerSessions(stat)]).to.deep.equal([['s1', 3], ['s2', 1], ['s3', 0]]);
  });

  it('reads no sessions from an answer that is not a stat table', () => {
    expect(parseServerSessions("Can't find backend.\n").size).to.equal(0);
  });

  it('reads the backend names of show backend', () => {
    expect([...parseBackendNames('# name\nbe_ns.web.http\nbe_ns.db.default\n\n')]).to.deep.equal(['be_ns.web.http', 'be_ns.db.default']);
    expect(parseBackendNames('').size).to.equal(0);
  });
});
