// The end-to-end scenarios, one function each: (playground, args) => result. Each drives the UI as the Playground's
// current user and returns what the C# test needs to check the bot's side (stored feedback, deliveries, the model's inbox).
const assert = require('assert');

const scenarios = {
  /** 1. Opening the chat installs the app: the welcome card; `help` shows the commands of the user's roles. */
  async welcome(p, { expectSections = [], hiddenSections = [] }) {
    await p.see('Welcome to');
    await p.shot('welcome');
    await p.send('help');
    await p.see('What I can do');
    for (const section of expectSections) await p.see(section);
    for (const section of hiddenSections) assert.strictEqual(await p.count(section), 0, `help shows '${section}'`);
    await p.shot('help');
    const install = p.calls.find(c => c.activityName === 'installationUpdate');
    return { installStatus: install && install.response.statusCode };
  },

  /** 2. An employee asks: the answer streams, then stands as one message with citations and the AI label; thumbs up. */
  async ask(p, { question, answer }) {
    await p.see('Welcome to');
    await p.send(question);
    await p.see(answer.slice(0, 24));
    await p.shot('streaming');
    await p.see(answer.slice(-20));
    await p.see('AI generated');
    await p.shot('answer');
    await p.press('Like');
    await p.see('Submit feedback');
    await p.press('Submit');
    const feedback = await p.call(c => c.activityName === 'invoke' && c.request.body.name === 'message/submitAction');
    await p.shot('liked');
    // What Teams got: streamed updates, then the final message carrying the citations.
    const sent = p.botMessages();
    const streamed = sent.filter(m => (m.entities || []).some(e => e.type === 'streaminfo' && e.streamType === 'streaming')).length;
    const final = sent.filter(m => m.type === 'message' && (m.entities || []).some(e => e.type === 'streaminfo' && e.streamType === 'final')).pop();
    assert.ok(final, 'no final streamed message');
    const citations = ((final.entities || []).find(e => e.type === 'https://schema.org/Message') || {}).citation || [];
    return { streamed, citations: citations.map(c => c.appearance && c.appearance.name), feedbackStatus: feedback.response.statusCode };
  },

  /** 3. Protected content is refused before anything reaches the model. */
  async protected(p, { messages }) {
    await p.see('Welcome to');
    for (const { text, refusal } of messages) {
      await p.send(text);
      await p.see(refusal);
    }
    await p.shot('refused');
    return { nothingSent: await p.count('Nothing from this message was sent to the AI model.') };
  },

  /** 4. A coach composes a broadcast, previews it, sends it to one agency and watches the status card reach done. */
  async broadcast(p, { title, body, agency }) {
    await p.see('Welcome to');
    await p.send('broadcast');
    await p.see('Audience');
    await p.fill('Title', title);
    await p.fill('Message (Markdown', body);
    await p.shot('composer');
    await p.choose('Agencies (when', agency);
    await p.shot('composer-filled');
    await p.press('Preview');
    await p.see('Announcement from');
    await p.shot('preview');
    await p.press('Send…');
    const confirm = await p.see(/^Send to \d+ people$/);
    const recipients = Number((await confirm.innerText()).match(/\d+/)[0]);
    await p.shot('confirm');
    await confirm.click();
    await p.see('Delivery finished', { timeout: 120000 });
    await p.shot('done');
    // The people Teams was asked to open a chat with for this card (the coach's own chat already existed).
    const opened = p.botMessages().filter(m => m.members && m.activity && m.activity.summary === title).map(m => m.members[0].id);
    return { recipients, opened };
  },

  /** 5. A coach creates a hackathon for their agency; the invite arrives; Register takes a seat, Cancel gives it back. */
  async hackathon(p, { title, date, seats, agency }) {
    await p.see('Welcome to');
    await p.send('events new');
    await p.see('New workshop or hackathon');
    await p.choose('Kind', 'Hackathon');
    await p.fill('Title', title);
    await p.fill('Description', 'Build an AI helper for your team in two days. Coaches on hand.');
    await p.fill('Date', date);
    await p.fill('Starts', '09:00');
    await p.fill('Ends', '17:00');
    await p.fill('Where (a room', 'Online');
    await p.fill('Seats', String(seats));
    await p.choose('Agencies (when', agency);
    await p.shot('composer');
    await p.press('Create and review the invitation');
    const confirm = await p.see(/^Send to \d+ people$/);
    await confirm.click();
    await p.see(`Hackathon · hosted by`);
    await p.see(`${seats} of ${seats} left`);
    await p.shot('invite');
    await p.press('Register');
    await p.see("You're registered");
    await p.see(`${seats - 1} of ${seats} left`);
    await p.shot('registered');
    await p.press('Cancel registration');
    await p.see('You cancelled your registration');
    await p.see(`${seats} of ${seats} left`);
    await p.shot('cancelled');
    return {};
  },

  /** 6. A training tip arrives; Stop tips turns them off, and the person's settings say so. */
  async nudge(p) {
    await p.see('Welcome to');
    await p.see(/Tip 1 of \d+/, { timeout: 120000 });
    await p.shot('tip');
    await p.press('Stop tips');
    await p.see("Tips are off: you won't get more.");
    await p.shot('stopped');
    await p.send('nudges');
    await p.see(/Status: off/);
    await p.shot('settings');
    return {};
  },

  /** 7. An admin asks for the adoption report: the card renders, with the per-agency figures and its charts. */
  async report(p, { command, agency }) {
    await p.see('Welcome to');
    await p.send(command);
    await p.see('Weekly adoption report');
    await p.see(/^Pilots/); // the time-saved chart's reference bar, drawn by the Playground's chart renderer
    await p.shot('report');
    const card = p.botMessages().filter(m => (m.attachments || []).some(a => JSON.stringify(a.content || {}).includes('Weekly adoption report'))).pop();
    const body = JSON.stringify(card.attachments[0].content);
    assert.ok(body.includes(agency), `the report has no row for ${agency}`);
    const active = await p.see(/^\d+ people \(\d+% of enrolled\)$/);
    return { charts: [...new Set(body.match(/Chart\.[A-Za-z]+/g) || [])], active: Number((await active.innerText()).match(/^\d+/)[0]) };
  },

  /** 8. Deep research inside the agency's window: the acknowledgement card, then the cited report in the chat. */
  async research(p, { question }) {
    await p.see('Welcome to');
    await p.send(`research ${question}`);
    await p.see('Researching…');
    await p.shot('acknowledged');
    await p.see('The full report is ready as a Word document', { timeout: 180000 });
    await p.see('Done: the report is in this chat.');
    await p.shot('delivered');
    const report = p.botMessages().filter(m => m.type === 'message' && (m.text || '').includes('The full report is ready')).pop();
    const citations = ((report.entities || []).find(e => e.type === 'https://schema.org/Message') || {}).citation || [];
    return { reports: p.botMessages().filter(m => (m.text || '').includes('The full report is ready')).length, citations: citations.length };
  },
};

module.exports = scenarios;
