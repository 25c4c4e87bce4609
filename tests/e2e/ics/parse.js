// Parses an iCalendar file from stdin with Mozilla's ical.js (independent of the bot's Ical.Net) and prints its events
// as JSON: the second parser the Events tests check the bot's .ics against.
const ICAL = require('ical.js');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  try {
    const calendar = new ICAL.Component(ICAL.parse(input));
    const events = calendar.getAllSubcomponents('vevent').map(component => {
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        location: event.location,
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
        status: component.getFirstPropertyValue('status'),
        url: component.getFirstPropertyValue('url'),
      };
    });
    process.stdout.write(JSON.stringify({ version: calendar.getFirstPropertyValue('version'), method: calendar.getFirstPropertyValue('method'), events }));
  } catch (e) {
    process.stderr.write(String(e && e.stack || e));
    process.exit(1);
  }
});
